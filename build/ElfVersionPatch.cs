// Marks one required symbol version (a Vernaux entry in .gnu.version_r) as WEAK in an ELF64
// little-endian shared object, so the dynamic loader tolerates its absence.
//
// Why: TorchSharp-cpu 0.107.0's libLibTorchSharp.so was linked with GCC 13, whose <iostream>
// makes every object *reference* std::ios_base_library_init (GLIBCXX_3.4.32) without ever
// calling it. Debian 12's libstdc++ stops at GLIBCXX_3.4.30, so the loader refuses the whole
// library. With VER_FLG_WEAK on that one requirement the loader only skips the version check.
//
// This file is shared: Directory.Build.targets compiles it into an inline MSBuild task
// (RoslynCodeTaskFactory, Type="Class"), and tests/Properties links it for unit tests. The test
// project defines ELF_VERSION_PATCH_NO_TASK, because it does not reference MSBuild's assemblies.
// It is compiled against netstandard there, so it avoids newer APIs (no BinaryPrimitives,
// no File.Move(overwrite)).
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

public enum PatchResult
{
    /// <summary>The requirement was found and marked weak; the file was replaced.</summary>
    Patched,
    /// <summary>Every matching requirement was already weak; the file was not touched.</summary>
    AlreadyWeak,
    /// <summary>A valid ELF64 LE file without such a version requirement; not touched.</summary>
    NoSuchEntry,
    /// <summary>Not an ELF64 little-endian file; not touched.</summary>
    NotElf64LittleEndian,
    /// <summary>ELF64 LE, but a header, section or chain lies out of bounds; not touched.</summary>
    Malformed,
}

/// <summary>One Vernaux entry of .gnu.version_r, as found in the file.</summary>
public sealed class VersionRequirement
{
    public VersionRequirement(string file, string name, ushort flags, long flagsOffset)
    {
        File = file;
        Name = name;
        Flags = flags;
        FlagsOffset = flagsOffset;
    }

    /// <summary>vn_file: the library the version is required from, e.g. libstdc++.so.6.</summary>
    public string File { get; }
    /// <summary>vna_name, e.g. GLIBCXX_3.4.32.</summary>
    public string Name { get; }
    /// <summary>vna_flags.</summary>
    public ushort Flags { get; }
    /// <summary>File offset of the 2-byte vna_flags field.</summary>
    public long FlagsOffset { get; }
    public bool IsWeak => (Flags & ElfVersionPatch.VerFlagWeak) != 0;
}

public static class ElfVersionPatch
{
    public const uint ShtGnuVerdef = 0x6ffffffd;
    public const uint ShtGnuVerneed = 0x6ffffffe;
    public const ushort VerFlagWeak = 0x2;

    /// <summary>
    /// Marks every Vernaux entry named <paramref name="version"/> weak. The file is never written in
    /// place: a copy (same mode) is patched and renamed over <paramref name="path"/>, so a hard link
    /// to the NuGet cache is broken rather than written through. The patched file keeps the original
    /// last-write time, so MSBuild's incremental copy (same size and timestamp => skip) leaves it be.
    /// </summary>
    public static PatchResult PatchFile(string path, string version)
    {
        byte[] data = File.ReadAllBytes(path);
        PatchResult status = ReadRequirements(data, out List<VersionRequirement> requirements);
        if (status != PatchResult.Patched)
            return status; // not ELF64 LE, or malformed

        List<VersionRequirement> matches = requirements.FindAll(r => r.Name == version);
        if (matches.Count == 0)
            return PatchResult.NoSuchEntry;
        List<VersionRequirement> toPatch = matches.FindAll(r => !r.IsWeak);
        if (toPatch.Count == 0)
            return PatchResult.AlreadyWeak;

        DateTime lastWrite = File.GetLastWriteTimeUtc(path);
        string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        string temp = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            File.Copy(path, temp, overwrite: false); // a new inode, with the original's mode bits
            using (var stream = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            {
                if (stream.Length != data.Length)
                    throw new IOException($"{path} changed while being patched.");
                foreach (VersionRequirement r in toPatch)
                {
                    ushort flags = (ushort)(r.Flags | VerFlagWeak);
                    stream.Position = r.FlagsOffset;
                    stream.WriteByte((byte)flags);
                    stream.WriteByte((byte)(flags >> 8));
                }
            }
            File.SetLastWriteTimeUtc(temp, lastWrite);
            File.Replace(temp, path, destinationBackupFileName: null); // rename(2): atomic on one file system
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
        return PatchResult.Patched;
    }

    /// <summary>
    /// Lists the Vernaux entries of the SHT_GNU_verneed section. Returns Patched (meaning "parsed")
    /// on success, NotElf64LittleEndian or Malformed otherwise; a file without the section parses
    /// to an empty list.
    /// </summary>
    public static PatchResult ReadRequirements(byte[] data, out List<VersionRequirement> requirements)
    {
        requirements = new List<VersionRequirement>();
        if (!IsElf64LittleEndian(data))
            return PatchResult.NotElf64LittleEndian;
        try
        {
            foreach (Section s in Sections(data))
            {
                if (s.Type != ShtGnuVerneed)
                    continue;
                Section strtab = StringTable(data, s);
                // sh_info is the number of Verneed entries; vn_next/vna_next are relative offsets.
                long vn = s.Offset;
                for (uint i = 0; i < s.Info; i++)
                {
                    Check(data, s, vn, 16);
                    ushort vnCnt = U16(data, vn + 2);
                    string file = ReadString(data, strtab, U32(data, vn + 4));
                    long vna = vn + U32(data, vn + 8);
                    for (uint j = 0; j < vnCnt; j++)
                    {
                        Check(data, s, vna, 16);
                        ushort flags = U16(data, vna + 4);
                        string name = ReadString(data, strtab, U32(data, vna + 8));
                        requirements.Add(new VersionRequirement(file, name, flags, vna + 4));
                        uint next = U32(data, vna + 12);
                        if (next == 0)
                            break;
                        vna += next;
                    }
                    uint vnNext = U32(data, vn + 12);
                    if (vnNext == 0)
                        break;
                    vn += vnNext;
                }
            }
        }
        catch (MalformedElfException)
        {
            requirements.Clear();
            return PatchResult.Malformed;
        }
        return PatchResult.Patched;
    }

    /// <summary>The version names an ELF64 LE library defines (SHT_GNU_verdef), or null if unreadable.</summary>
    public static List<string>? ReadDefinedVersions(byte[] data)
    {
        if (!IsElf64LittleEndian(data))
            return null;
        var names = new List<string>();
        try
        {
            foreach (Section s in Sections(data))
            {
                if (s.Type != ShtGnuVerdef)
                    continue;
                Section strtab = StringTable(data, s);
                long vd = s.Offset;
                for (uint i = 0; i < s.Info; i++)
                {
                    Check(data, s, vd, 20);
                    ushort vdCnt = U16(data, vd + 6);
                    long vda = vd + U32(data, vd + 12);
                    for (uint j = 0; j < vdCnt; j++)
                    {
                        Check(data, s, vda, 8);
                        names.Add(ReadString(data, strtab, U32(data, vda)));
                        uint next = U32(data, vda + 4);
                        if (next == 0)
                            break;
                        vda += next;
                    }
                    uint vdNext = U32(data, vd + 16);
                    if (vdNext == 0)
                        break;
                    vd += vdNext;
                }
            }
        }
        catch (MalformedElfException)
        {
            return null;
        }
        return names;
    }

    /// <summary>Candidate locations of the libstdc++.so.6 the dynamic loader would pick, in order.</summary>
    public static IEnumerable<string> LibStdCxxCandidates()
    {
        var dirs = new List<string>();
        string? ldPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH");
        if (!string.IsNullOrEmpty(ldPath))
            dirs.AddRange(ldPath!.Split(new[] { ':' }, StringSplitOptions.RemoveEmptyEntries));
        string multiarch = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
        dirs.AddRange(new[] { "/usr/lib/" + multiarch, "/lib/" + multiarch, "/usr/lib64", "/lib64", "/usr/lib", "/lib" });
        foreach (string dir in dirs)
            yield return Path.Combine(dir, "libstdc++.so.6");
    }

    /// <summary>The first existing libstdc++.so.6 among <see cref="LibStdCxxCandidates"/>, or null.</summary>
    public static string? FindLibStdCxx()
    {
        foreach (string candidate in LibStdCxxCandidates())
            if (File.Exists(candidate))
                return candidate;
        return null;
    }

    /// <summary>True if the system libstdc++.so.6 defines <paramref name="version"/> (e.g. GLIBCXX_3.4.32).
    /// False if it does not, or if no readable libstdc++ is found.</summary>
    public static bool LibStdCxxHas(string version)
    {
        string? path = FindLibStdCxx();
        if (path == null)
            return false;
        List<string>? defined = ReadDefinedVersions(File.ReadAllBytes(path));
        return defined != null && defined.Contains(version);
    }

    // ---- ELF64 little-endian plumbing ----

    private sealed class MalformedElfException : Exception { }

    private struct Section
    {
        public uint Type;
        public long Offset;
        public long Size;
        public uint Link;
        public uint Info;
    }

    private static bool IsElf64LittleEndian(byte[] d) =>
        d.Length >= 64 && d[0] == 0x7f && d[1] == (byte)'E' && d[2] == (byte)'L' && d[3] == (byte)'F'
        && d[4] == 2 /* ELFCLASS64 */ && d[5] == 1 /* ELFDATA2LSB */;

    private static List<Section> Sections(byte[] d)
    {
        ulong shoff = U64(d, 0x28);
        ushort shentsize = U16(d, 0x3A);
        ulong shnum = U16(d, 0x3C);
        if (shoff == 0)
            return new List<Section>();
        if (shentsize < 64 || shoff > (ulong)d.Length)
            throw new MalformedElfException();
        if (shnum == 0) // SHN_UNDEF count: the real number is in section 0's sh_size
        {
            if (shoff + 64 > (ulong)d.Length)
                throw new MalformedElfException();
            shnum = U64(d, (long)shoff + 32);
        }
        if (shnum > ((ulong)d.Length - shoff) / shentsize)
            throw new MalformedElfException();
        var list = new List<Section>((int)shnum);
        for (ulong i = 0; i < shnum; i++)
        {
            long h = (long)(shoff + i * shentsize);
            var s = new Section
            {
                Type = U32(d, h + 4),
                Link = U32(d, h + 40),
                Info = U32(d, h + 44),
            };
            ulong offset = U64(d, h + 24), size = U64(d, h + 32);
            if (s.Type != 8 /* SHT_NOBITS */ && (offset > (ulong)d.Length || size > (ulong)d.Length - offset))
                throw new MalformedElfException();
            s.Offset = (long)offset;
            s.Size = (long)size;
            list.Add(s);
        }
        return list;
    }

    private static Section StringTable(byte[] d, Section versionSection)
    {
        List<Section> all = Sections(d);
        if (versionSection.Link == 0 || versionSection.Link >= all.Count || all[(int)versionSection.Link].Type != 3 /* SHT_STRTAB */)
            throw new MalformedElfException();
        return all[(int)versionSection.Link];
    }

    private static void Check(byte[] d, Section s, long at, int length)
    {
        if (at < s.Offset || at + length > s.Offset + s.Size || at + length > d.Length)
            throw new MalformedElfException();
    }

    private static string ReadString(byte[] d, Section strtab, uint index)
    {
        if (index >= strtab.Size)
            throw new MalformedElfException();
        long start = strtab.Offset + index, end = start, limit = strtab.Offset + strtab.Size;
        while (end < limit && d[end] != 0)
            end++;
        if (end == limit)
            throw new MalformedElfException();
        return Encoding.ASCII.GetString(d, (int)start, (int)(end - start));
    }

    private static ushort U16(byte[] d, long at)
    {
        if (at < 0 || at + 2 > d.Length) throw new MalformedElfException();
        return (ushort)(d[at] | d[at + 1] << 8);
    }

    private static uint U32(byte[] d, long at)
    {
        if (at < 0 || at + 4 > d.Length) throw new MalformedElfException();
        return (uint)(d[at] | d[at + 1] << 8 | d[at + 2] << 16 | d[at + 3] << 24);
    }

    private static ulong U64(byte[] d, long at) => U32(d, at) | (ulong)U32(d, at + 4) << 32;
}

#if !ELF_VERSION_PATCH_NO_TASK
/// <summary>
/// MSBuild task: marks <see cref="Version"/> weak in every <see cref="FileName"/> below
/// <see cref="Directories"/>, when the system libstdc++ lacks that version.
/// </summary>
public sealed class MarkElfVersionWeak : Microsoft.Build.Utilities.Task
{
    [Microsoft.Build.Framework.Required] public string[] Directories { get; set; } = Array.Empty<string>();
    [Microsoft.Build.Framework.Required] public string FileName { get; set; } = "";
    [Microsoft.Build.Framework.Required] public string Version { get; set; } = "";

    public override bool Execute()
    {
        const Microsoft.Build.Framework.MessageImportance Low = Microsoft.Build.Framework.MessageImportance.Low;
        var files = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string dir in Directories)
            if (!string.IsNullOrEmpty(dir) && Directory.Exists(dir))
                foreach (string f in Directory.EnumerateFiles(dir, FileName, SearchOption.AllDirectories))
                    files.Add(Path.GetFullPath(f));
        if (files.Count == 0)
        {
            Log.LogMessage(Low, $"TorchSharp: no {FileName} in {string.Join(", ", Directories)}; nothing to patch.");
            return true;
        }

        string? libstdcxx = ElfVersionPatch.FindLibStdCxx();
        if (libstdcxx == null)
        {
            Log.LogMessage(Low, $"TorchSharp: no system libstdc++.so.6 found; leaving {files.Count} {FileName} alone.");
            return true;
        }
        if (ElfVersionPatch.LibStdCxxHas(Version))
        {
            Log.LogMessage(Low, $"TorchSharp: {libstdcxx} defines {Version}; leaving {files.Count} {FileName} alone.");
            return true;
        }

        int patched = 0;
        foreach (string file in files)
        {
            PatchResult result;
            try
            {
                result = ElfVersionPatch.PatchFile(file, Version);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                Log.LogWarning($"TorchSharp: could not mark {Version} weak in {file}: {e.Message}. Loading it may fail with \"version `{Version}' not found\".");
                continue;
            }
            Log.LogMessage(Low, $"TorchSharp: {file}: {result}.");
            if (result == PatchResult.Patched)
                patched++;
        }
        if (patched > 0)
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High,
                $"TorchSharp: marked {Version} weak in {patched} {(patched == 1 ? "copy" : "copies")} of {FileName} " +
                $"(system libstdc++ lacks it; the symbol is only referenced, never called).");
        else
            Log.LogMessage(Low, $"TorchSharp: {Version} already weak (or absent) in {files.Count} {FileName}; nothing to patch.");
        return !Log.HasLoggedErrors;
    }
}
#endif
