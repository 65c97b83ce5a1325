using System.Diagnostics;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties;

public sealed class ElfPatchTests : IDisposable
{
    private const string Version = "GLIBCXX_3.4.32";

    private static readonly string NuGetLib = Path.Combine(
        Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
        "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    private readonly string _dir = Directory.CreateTempSubdirectory("elfpatch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string CopyOf(string source, string name)
    {
        string path = Path.Combine(_dir, name);
        File.Copy(source, path);
        return path;
    }

    private static VersionRequirement Requirement(byte[] data)
    {
        Assert.Equal(PatchResult.Patched, ElfVersionPatch.ReadRequirements(data, out var requirements));
        return Assert.Single(requirements, r => r.Name == Version);
    }

    [Fact]
    public void Patching_the_real_library_sets_only_that_vna_flags_to_weak_and_repatching_is_a_no_op()
    {
        Assert.True(File.Exists(NuGetLib), $"missing {NuGetLib}");
        string path = CopyOf(NuGetLib, "libLibTorchSharp.so");
        byte[] before = File.ReadAllBytes(path);
        VersionRequirement original = Requirement(before);
        Assert.Equal("libstdc++.so.6", original.File);
        Assert.False(original.IsWeak);
        DateTime mtime = File.GetLastWriteTimeUtc(path);

        Assert.Equal(PatchResult.Patched, ElfVersionPatch.PatchFile(path, Version));

        byte[] after = File.ReadAllBytes(path);
        Assert.Equal(before.Length, after.Length);
        int[] differing = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
        Assert.Equal([(int)original.FlagsOffset], differing); // vna_flags is 2 bytes; 0 -> 2 changes the low one
        Assert.Equal(original.Flags | ElfVersionPatch.VerFlagWeak, after[original.FlagsOffset] | after[original.FlagsOffset + 1] << 8);
        Assert.True(Requirement(after).IsWeak);
        // Same timestamp as the source, so MSBuild's incremental copy (size + time) will not re-copy.
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(path));
        // Every other requirement unchanged.
        ElfVersionPatch.ReadRequirements(before, out var reqBefore);
        ElfVersionPatch.ReadRequirements(after, out var reqAfter);
        Assert.Equal(reqBefore.Where(r => r.Name != Version).Select(r => (r.File, r.Name, r.Flags)),
                     reqAfter.Where(r => r.Name != Version).Select(r => (r.File, r.Name, r.Flags)));

        // An independent reader agrees, where binutils is installed.
        string? readelf = Run("readelf", "-V", path);
        if (readelf != null)
            Assert.Contains($"Name: {Version}  Flags: WEAK", readelf);

        var marker = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, marker);
        Assert.Equal(PatchResult.AlreadyWeak, ElfVersionPatch.PatchFile(path, Version));
        Assert.Equal(after, File.ReadAllBytes(path));
        Assert.Equal(marker, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void Patching_through_a_hard_link_leaves_the_other_link_untouched()
    {
        string cache = CopyOf(NuGetLib, "cache.so");
        string output = Path.Combine(_dir, "libLibTorchSharp.so");
        Assert.NotNull(Run("ln", cache, output));
        byte[] before = File.ReadAllBytes(cache);

        Assert.Equal(PatchResult.Patched, ElfVersionPatch.PatchFile(output, Version));

        Assert.Equal(before, File.ReadAllBytes(cache));
        Assert.True(Requirement(File.ReadAllBytes(output)).IsWeak);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp")); // no temporary left behind
    }

    [Fact]
    public void A_non_ELF_file_is_left_byte_identical()
    {
        string path = Path.Combine(_dir, "libLibTorchSharp.so");
        byte[] bytes = "\u007fELF but not really, and GLIBCXX_3.4.32 appears in here"u8.ToArray();
        File.WriteAllBytes(path, bytes);
        var marker = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, marker);

        Assert.Equal(PatchResult.NotElf64LittleEndian, ElfVersionPatch.PatchFile(path, Version));
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(marker, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void An_ELF_file_without_the_requirement_is_left_byte_identical()
    {
        string path = CopyOf(File.Exists("/bin/true") ? "/bin/true" : "/usr/bin/true", "true");
        byte[] bytes = File.ReadAllBytes(path);
        var marker = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, marker);

        Assert.Equal(PatchResult.NoSuchEntry, ElfVersionPatch.PatchFile(path, Version));
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(marker, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void A_truncated_ELF_file_is_reported_malformed_and_left_alone()
    {
        byte[] full = File.ReadAllBytes(NuGetLib);
        string path = Path.Combine(_dir, "libLibTorchSharp.so");
        byte[] bytes = full[..(full.Length / 2)]; // section headers live at the end
        File.WriteAllBytes(path, bytes);

        Assert.Equal(PatchResult.Malformed, ElfVersionPatch.PatchFile(path, Version));
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void The_system_libstdcxx_is_found_and_its_versions_read()
    {
        string? lib = ElfVersionPatch.FindLibStdCxx();
        Assert.NotNull(lib);
        List<string>? versions = ElfVersionPatch.ReadDefinedVersions(File.ReadAllBytes(lib));
        Assert.NotNull(versions);
        Assert.Contains("GLIBCXX_3.4", versions);
        Assert.Equal(versions.Contains(Version), ElfVersionPatch.LibStdCxxHas(Version));
    }

    [Fact]
    public void TorchSharp_initialises_in_the_test_host()
    {
        using var values = randn(3, generator: new Generator(42));
        float[] data = values.data<float>().ToArray();
        Assert.Equal(0.3367f, data[0], 1e-4f);
        Assert.Equal(0.1288f, data[1], 1e-4f);
        Assert.Equal(0.2345f, data[2], 1e-4f);
    }

    private static string? Run(string program, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in args)
                info.ArgumentList.Add(a);
            using var p = Process.Start(info)!;
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
