using Functional.Formats;
using Functional.Training.Data;
using Functional.Training.Exercises;

namespace Functional.Tests.Shared;

/// <summary>
/// Tiny MNIST-shaped data sets for tests (linked into both test projects): digit d is a bright band on rows 3d..3d+2
/// over dim noise, so a network can learn it in a few steps.
/// </summary>
internal static class SyntheticDigits
{
    public static (IdxImages Images, IdxLabels Labels) Make(int count, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[count * Mnist.Pixels];
        var labels = new byte[count];
        for (var i = 0; i < count; i++)
        {
            labels[i] = (byte)(i % 10);
            for (var p = 0; p < Mnist.Pixels; p++)
                pixels[i * Mnist.Pixels + p] = (byte)(p / Mnist.Side / 3 == labels[i] ? 200 + random.Next(56) : random.Next(40));
        }
        return (new IdxImages(count, Mnist.Side, Mnist.Side, pixels), new IdxLabels(labels));
    }
}
