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

/// <summary>
/// The XOR tutorial's data: random bits, their parity as the target, and a little uniform noise on both.
/// <para>Draw order, per batch (what the tutorial's generator does, and what a PyTorch run under
/// <c>torch.manual_seed(seed)</c> reproduces):</para>
/// <code>
/// x = torch.randint(0, 2, (batch_size, n)).float()
/// y = x.sum(1) % 2                      # parity; for n = 2 this is XOR
/// if center: x = 2*x - 1; y = 2*y - 1   # the tutorial's commented-out lines: {0,1} → {-1,1}
/// x += 0.1 * torch.rand(batch_size, n)
/// y += 0.1 * torch.rand(batch_size)
/// </code>
/// Train batches are drawn first, then test batches, from one stream; the model's init draws come after all data.
/// </summary>
public static class XorData
{
    /// <summary>Scale of the uniform noise added to inputs and targets: each gets 0.1·U(0, 1).</summary>
    public const double Noise = 0.1;

    /// <summary>
    /// Draws <paramref name="batches"/> batches of <paramref name="batchSize"/> samples with <paramref name="inputs"/> bits each,
    /// in the order documented on <see cref="XorData"/>, and returns them with the advanced Rng.
    /// </summary>
    public static Drawn<XorBatches> Draw(Rng rng, int batches, int batchSize, int inputs, bool center)
    {
        if (batches <= 0) throw new ArgumentException($"the number of batches must be positive, got {batches}");
        if (batchSize <= 0) throw new ArgumentException($"the batch size must be positive, got {batchSize}");
        if (inputs <= 0) throw new ArgumentException($"--inputs must be positive, got {inputs}");
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
