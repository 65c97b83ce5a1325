using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Data;

/// <summary>
/// What iterating a PyTorch <c>DataLoader</c> (single process, <c>drop_last=False</c>) draws from the global
/// generator, as pure functions of the <see cref="Rng"/>. Measured in PyTorch 1.13.1 (the code is the same in 2.x):
/// <list type="number">
/// <item>every time a loader is iterated, its iterator first draws a base seed,
/// <c>torch.empty((), dtype=torch.int64).random_()</c> — for <c>shuffle=False</c> loaders too;</item>
/// <item>a shuffling loader's <c>RandomSampler</c> then draws its own seed the same way, seeds a fresh
/// <c>torch.Generator()</c> with it and yields <c>torch.randperm(n, generator=that)</c>, so the order comes from a
/// stream of its own and the global generator moves by exactly two draws per shuffled epoch.</item>
/// </list>
/// So a seeded run whose epochs iterate loaders in the tutorial's order (e.g. train loader, then test loader) equals
/// the tutorial's run. Batches index the given tensors; the last batch may be smaller.
/// </summary>
public static class DataLoader
{
    /// <summary>
    /// One <c>torch.empty((), dtype=torch.int64).random_()</c>: a uniform integer in [0, 2^63). PyTorch's argument-less
    /// int64 <c>random_()</c> is <c>random64() % 2^63</c>; TorchSharp has none, but its <c>random_(-2^62, 2^62)</c>
    /// (a range of 2^63, both ends exact as doubles) draws <c>random64() % 2^63 − 2^62</c> from the same two words.
    /// </summary>
    public static Drawn<long> DrawSeed(Rng rng) => rng.Draw(g =>
    {
        const long half = 1L << 62;
        using var t = empty([], ScalarType.Int64);
        t.random_(-(double)half, half, generator: g);
        return t.item<long>() + half;
    });

    /// <summary>
    /// The sample order of one iteration of <c>DataLoader(shuffle=True)</c> over <paramref name="n"/> samples
    /// (int64 [n]): the base seed, the sampler's seed, then <c>randperm(n)</c> from a generator seeded with it.
    /// Returns the order and the global Rng after the two seed draws.
    /// </summary>
    public static Drawn<Tensor> ShuffledOrder(long n, Rng rng)
    {
        if (n <= 0) throw new ArgumentException($"a DataLoader needs at least one sample, got {n}");
        var (_, afterBase) = DrawSeed(rng);
        var (samplerSeed, next) = DrawSeed(afterBase);
        var (order, _) = Rng.Seed(samplerSeed).RandPerm(n);
        return new Drawn<Tensor>(order, next);
    }

    /// <summary>
    /// One iteration of <c>DataLoader(TensorDataset(inputs, targets), batch_size, shuffle=False)</c>: the base seed is
    /// drawn (and moves the Rng), then the samples come in order, <paramref name="batchSize"/> at a time (lazily).
    /// </summary>
    public static EpochData IterateInOrder(Tensor inputs, Tensor targets, int batchSize, Rng rng)
    {
        RequireSameCount(inputs, targets);
        var (_, next) = DrawSeed(rng);
        return Batching.InOrder(inputs, targets, batchSize, next);
    }

    /// <summary>
    /// One iteration of <c>DataLoader(TensorDataset(inputs, targets), batch_size, shuffle=True)</c>: base seed, sampler
    /// seed, the permutation from the sampler's own generator (<see cref="ShuffledOrder"/>), then batches of
    /// <paramref name="batchSize"/> samples in that order, the last one possibly smaller. Lazy, as the loader's iterator:
    /// everything random is drawn now; each batch (new tensors) is gathered from the held order when asked for.
    /// </summary>
    public static EpochData IterateShuffled(Tensor inputs, Tensor targets, int batchSize, Rng rng)
    {
        RequireSameCount(inputs, targets);
        Batching.BatchCount(inputs.shape[0], batchSize); // validates the batch size before anything is drawn
        var (order, next) = ShuffledOrder(inputs.shape[0], rng);
        return Batching.InOrderOf(inputs, targets, order, batchSize, next);
    }

    private static void RequireSameCount(Tensor inputs, Tensor targets)
    {
        if (inputs.shape.Length == 0 || targets.shape.Length == 0 || inputs.shape[0] != targets.shape[0])
            throw new ArgumentException($"inputs and targets must have the same number of samples, got [{string.Join(", ", inputs.shape)}] and [{string.Join(", ", targets.shape)}]");
    }
}
