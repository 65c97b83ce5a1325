using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Data;

/// <summary>
/// Noisy XOR (parity) batches, stacked: inputs [Batches, BatchSize, Inputs] and targets [Batches, BatchSize], float32.
/// Targets are the parity of the clean inputs. Dispose frees both tensors.
/// </summary>
public sealed record XorBatches(Tensor Inputs, Tensor Targets) : IDisposable
{
    /// <summary>Number of batches (the leading dimension).</summary>
    public int Count => (int)Inputs.shape[0];

    private IReadOnlyList<Batch>? _batches;

    /// <summary>One <see cref="Batch"/> view per batch, made on first use outside any DisposeScope and freed with the data.</summary>
    public IReadOnlyList<Batch> Batches()
    {
        if (_batches is null)
        {
            var list = new List<Batch>(Count);
            for (var b = 0; b < Count; b++)
                list.Add(new Batch(Inputs[b].DetachFromDisposeScope(), Targets[b].DetachFromDisposeScope()));
            _batches = list;
        }
        return _batches;
    }

    /// <summary>Frees both tensors and the batch views.</summary>
    public void Dispose()
    {
        foreach (var b in _batches ?? [])
        {
            b.Inputs.Dispose();
            b.Targets.Dispose();
        }
        Inputs.Dispose();
        Targets.Dispose();
    }
}

/// <summary>Which random stream a run's XOR data come from. Part of a run's identity: the same seed gives other data on the other stream.</summary>
public enum XorDataStream
{
    /// <summary>The tutorial's own: Python's <c>random</c> module seeded with the run's seed (<see cref="PyRandom"/>); the model's init then draws from a fresh torch generator with the same seed.</summary>
    Python,
    /// <summary>The torch generator: the data drawn with <c>torch.randint</c>/<c>torch.rand</c> under <c>torch.manual_seed(seed)</c>, the model's init after them from the same stream.</summary>
    Torch,
}

/// <summary>
/// The XOR tutorial's data: random bits, their parity as the target, and a little uniform noise on both, from either
/// stream of <see cref="XorDataStream"/>.
/// <para>Python's <c>random</c> (the tutorial's data cell), per sample, computed in double and stored as float32:</para>
/// <code>
/// bits = [random.randint(0, 1) for each of the n inputs]   # n = 2: x1, x2
/// y = sum(bits) % 2                                        # n = 2: 0 if x1 == x2 else 1
/// if center: x = 2.*(x - 0.5); y = 2.*(y - 0.5)            # the tutorial's commented-out lines: {0,1} → {-1,1}
/// x[i] += 0.1 * random.random() for each input, in order; then y += 0.1 * random.random()
/// </code>
/// A batch is 10 such samples in a row (<c>make_batch</c>); batches follow one another in the stream.
/// <para>The torch stream, per batch (what a PyTorch run under <c>torch.manual_seed(seed)</c> reproduces):</para>
/// <code>
/// x = torch.randint(0, 2, (batch_size, n)).float()
/// y = x.sum(1) % 2                      # parity; for n = 2 this is XOR
/// if center: x = 2*x - 1; y = 2*y - 1
/// x += 0.1 * torch.rand(batch_size, n)
/// y += 0.1 * torch.rand(batch_size)
/// </code>
/// </summary>
public static class XorData
{
    /// <summary>Scale of the uniform noise added to inputs and targets: each gets 0.1·U(0, 1).</summary>
    public const double Noise = 0.1;

    /// <summary>
    /// Draws <paramref name="batches"/> batches of <paramref name="batchSize"/> samples with <paramref name="inputs"/> bits each
    /// from Python's <c>random</c>, as the tutorial's <c>make_batch()</c> does (see <see cref="XorData"/>), and returns
    /// them with the advanced state.
    /// </summary>
    public static PyDrawn<XorBatches> Draw(PyRandom random, int batches, int batchSize, int inputs, bool center)
    {
        RequireSizes(batches, batchSize, inputs);
        return random.Draw(s => MakeBatches(s, batches, batchSize, inputs, center));
    }

    /// <summary>
    /// <paramref name="batches"/> calls of the tutorial's <c>make_batch()</c> on a Python <c>random</c> stream, stacked
    /// into tensors (inputs [batches, batchSize, inputs], targets [batches, batchSize], float32).
    /// </summary>
    public static XorBatches MakeBatches(PyRandomStream s, int batches, int batchSize, int inputs, bool center)
    {
        RequireSizes(batches, batchSize, inputs);
        var x = new float[batches * batchSize * inputs];
        var y = new float[batches * batchSize];
        MakeSamples(s, inputs, center, x, y);
        return new XorBatches(tensor(x, [batches, batchSize, inputs]), tensor(y, [batches, batchSize]));
    }

    /// <summary>
    /// <c>y.Length</c> calls of the tutorial's <c>make_data()</c> with <paramref name="inputs"/> bits: sample j's inputs go
    /// to <c>x[j·inputs ..]</c>, its target to <c>y[j]</c>. Each value is computed in double and stored as float32, as
    /// <c>np.array(..., dtype='float32')</c> stores Python's floats.
    /// </summary>
    public static void MakeSamples(PyRandomStream s, int inputs, bool center, Span<float> x, Span<float> y)
    {
        if (inputs <= 0) throw new ArgumentException($"the number of input bits must be positive, got {inputs}");
        if (x.Length != y.Length * inputs) throw new ArgumentException($"{y.Length} samples of {inputs} inputs need {y.Length * inputs} input values, got {x.Length}");
        Span<double> clean = stackalloc double[Math.Min(inputs, 64)];
        if (inputs > clean.Length) clean = new double[inputs];
        for (var j = 0; j < y.Length; j++)
        {
            uint ones = 0;
            for (var i = 0; i < inputs; i++)
            {
                var bit = s.RandBelow(2u); // random.randint(0, 1)
                ones += bit;
                clean[i] = bit;
            }
            double target = ones % 2;
            if (center)
            {
                for (var i = 0; i < inputs; i++) clean[i] = 2.0 * (clean[i] - 0.5);
                target = 2.0 * (target - 0.5);
            }
            var row = x.Slice(j * inputs, inputs);
            for (var i = 0; i < inputs; i++) row[i] = (float)(clean[i] + Noise * s.Random());
            y[j] = (float)(target + Noise * s.Random());
        }
    }

    /// <summary>
    /// Draws <paramref name="batches"/> batches of <paramref name="batchSize"/> samples with <paramref name="inputs"/> bits each
    /// from the torch stream, in the order documented on <see cref="XorData"/>, and returns them with the advanced Rng.
    /// </summary>
    public static Drawn<XorBatches> Draw(Rng rng, int batches, int batchSize, int inputs, bool center)
    {
        RequireSizes(batches, batchSize, inputs);
        return rng.Draw(g =>
        {
            // Only the generator calls go batch by batch (that is the stream order); the arithmetic runs once on the stacks.
            var bitDraws = new Tensor[batches];
            var xNoise = new Tensor[batches];
            var yNoise = new Tensor[batches];
            using var scope = NewDisposeScope();
            for (var b = 0; b < batches; b++)
            {
                bitDraws[b] = randint(0, 2, [batchSize, inputs], dtype: ScalarType.Int64, generator: g);
                xNoise[b] = rand([batchSize, inputs], generator: g);
                yNoise[b] = rand([batchSize], generator: g);
            }
            var bits = stack(bitDraws).to(ScalarType.Float32); // [batches, batchSize, inputs]
            var x = bits;
            var y = bits.sum(-1).remainder(2);
            if (center)
            {
                x = x.mul(2).sub(1);
                y = y.mul(2).sub(1);
            }
            x = x.add(stack(xNoise).mul(Noise));
            y = y.add(stack(yNoise).mul(Noise));
            scope.MoveToOuter(x, y);
            return new XorBatches(x, y);
        });
    }

    private static void RequireSizes(int batches, int batchSize, int inputs)
    {
        if (batches <= 0) throw new ArgumentException($"the number of batches must be positive, got {batches}");
        if (batchSize <= 0) throw new ArgumentException($"the batch size must be positive, got {batchSize}");
        if (inputs <= 0) throw new ArgumentException($"the number of input bits must be positive, got {inputs}");
    }

    /// <summary>The clean label of noisy inputs: parity of the bits (inputs rounded to the nearer of {0,1} or {-1,1}), in the target's coding.</summary>
    public static Tensor Parity(Tensor noisyInputs, bool center)
    {
        using var scope = NewDisposeScope();
        var bits = center ? noisyInputs.gt(0) : noisyInputs.gt(0.5);
        var parity = bits.to(ScalarType.Int64).sum(-1).remainder(2).to(ScalarType.Float32);
        var result = center ? parity.mul(2).sub(1) : parity;
        return result.MoveToOuterDisposeScope();
    }
}
