using Functional.Training.Checkpoints;
using Functional.Training.Exercises;

namespace Functional.Shell.Commands;

/// <summary>The file side of MNIST: finding the four IDX files, the shipped sample, and checkpoint files.</summary>
internal static class MnistFiles
{
    /// <summary>The shipped sample, copied next to the executable by the build (data/mnist-sample).</summary>
    public static string SampleDir => Path.Combine(AppContext.BaseDirectory, "data", "mnist-sample");

    /// <summary>
    /// Reads the four standard files from <paramref name="dir"/>, each plain or with <c>.gz</c>. A missing folder or
    /// file is a <see cref="UsageException"/>; a bad file an <see cref="InvalidDataException"/> naming it.
    /// </summary>
    public static MnistData Load(string dir, string what)
    {
        if (!Directory.Exists(dir)) throw new UsageException($"{what} {dir}: folder not found");
        var paths = Mnist.FileNames.Select(n => Find(dir, n, what)).ToArray();
        var streams = new List<FileStream>();
        try
        {
            foreach (var p in paths)
            {
                InputFile.RequireRegular(p, what); // a FIFO or device would block or never end
                streams.Add(File.OpenRead(p));
            }
            var named = streams.Select((s, i) => new NamedStream(Path.GetFileName(paths[i]), s)).ToArray();
            return Mnist.Read(named[0], named[1], named[2], named[3]);
        }
        finally
        {
            foreach (var s in streams) s.Dispose();
        }
    }

    private static string Find(string dir, string name, string what)
    {
        var plain = Path.Combine(dir, name);
        if (File.Exists(plain)) return plain;
        if (File.Exists(plain + ".gz")) return plain + ".gz";
        throw new UsageException($"{what} {dir}: {name} (or {name}.gz) not found; expected the four standard MNIST files {string.Join(", ", Mnist.FileNames)}");
    }

    /// <summary>
    /// Reads a checkpoint file; a missing file, or one that is not a regular file, is a <see cref="UsageException"/>,
    /// bad content an <see cref="InvalidDataException"/>.
    /// </summary>
    public static LoadedModel LoadModel(string path)
    {
        var file = RunFolder.ModelFile(path, "mnist", "--model");
        return ModelCheckpoint.Deserialize(InputFile.ReadAll(file, Array.MaxLength, "--model"), file == path ? path : RunFolder.Display(file));
    }
}
