using Functional.Training.Data;
using Functional.Training.Ensembles;
using Functional.Training.Optimizers;

namespace Functional.Training.Exercises;

/// <summary>
/// An XOR ensemble's data: its members' options, the layout that pads them into one envelope, and the stacked data.
/// <see cref="TrainInputs"/> is [batches, K, B, N] (so each step's stacked batch is one contiguous slice),
/// <see cref="TestInputs"/> [K, test samples, N]. Dispose frees the tensors and the layout's masks.
/// </summary>
public sealed record XorEnsembleData(IReadOnlyList<XorOptions> Members, MemberLayout Layout, Tensor TrainInputs, Tensor TrainTargets,
    Tensor TestInputs, Tensor TestTargets) : IDisposable
{
    /// <summary>Member <paramref name="k"/>'s own params (unpadded, new tensors) from stacked ensemble params.</summary>
    public Params Member(Params stacked, int k) => Layout.Unpad(stacked, k);

    /// <summary>Frees the stacked data tensors and the layout's masks.</summary>
    public void Dispose()
    {
        Layout.Dispose();
        TrainInputs.Dispose();
        TrainTargets.Dispose();
        TestInputs.Dispose();
        TestTargets.Dispose();
    }
}

/// <summary>
/// Many XOR runs as one ensemble. Member k draws its data and init exactly as the single run <c>Xor.Prepare(Members[k])</c>
/// does (its own seed, centering and init), trains with its own learning rate, and so gives that run's losses (up to
/// float rounding: the stacked matmul sums in a different order than <c>linear</c>).
/// </summary>
public static class XorEnsemble
{
    /// <summary>
    /// Builds the ensemble. Members must share the epoch count; everything else may differ: seeds, init, centering,
    /// learning rate, and (through a <see cref="MemberLayout"/> that zero-pads them into one envelope) inputs, hidden
    /// width and activation.
    /// </summary>
    public static Prepared<EnsembleTrainer, XorEnsembleData> Prepare(IReadOnlyList<XorOptions> members)
    {
        if (members.Count == 0) throw new ArgumentException("an ensemble needs at least one member");
        foreach (var m in members) m.Validate();
        var first = members[0];
        if (members.Any(m => m.Epochs != first.Epochs))
            throw new ArgumentException("ensemble members must share the number of epochs");
        var layout = new MemberLayout([.. members.Select(Xor.Spec)]);
        var spec = layout.Envelope;
        var lrs = members.Select(m => m.Lr).ToArray();
        var optimizer = new Sgd(lrs.All(l => l == lrs[0]) ? LearningRate.Of(lrs[0]) : LearningRate.PerMember(lrs));
        var trainer = new EnsembleTrainer(spec, new Loss.Mse(), optimizer) { Layout = layout };

        var trainX = new List<Tensor>(); var trainY = new List<Tensor>();
        var testX = new List<Tensor>(); var testY = new List<Tensor>();
        var ps = new List<Params>();
        Tensor tx, ty, vx, vy;
        Params stacked;
        using (var scope = NewDisposeScope())
        {
            for (var k = 0; k < members.Count; k++)
            {
                var (train, test, p, _) = Xor.Draw(members[k]);
                trainX.Add(layout.PadInputs(train.Inputs)); trainY.Add(train.Targets);
                testX.Add(layout.PadInputs(test.Inputs.flatten(0, 1))); testY.Add(test.Targets.flatten(0, 1));
                ps.Add(layout.Pad(p, k));
            }
            tx = stack(trainX, 1).contiguous(); // [batches, K, B, N]
            ty = stack(trainY, 1).contiguous(); // [batches, K, B]
            vx = stack(testX); // [K, T, N]
            vy = stack(testY); // [K, T]
            stacked = Ensemble.Stack(ps);
            scope.MoveToOuter([tx, ty, vx, vy, .. stacked.Values]);
        }
        var batches = (int)tx.shape[0];
        var plan = new RunPlan(first.Epochs, (_, r) => new EpochData([.. Enumerable.Range(0, batches).Select(b => new Batch(tx[b], ty[b]))], r))
        {
            Evaluate = (p, r) => new(Evaluate(trainer, p, vx, vy), r),
        };
        return new(trainer, trainer.Start(stacked, Rng.Seed(0)), plan, new XorEnsembleData(members, layout, tx, ty, vx, vy));
    }

    /// <summary>
    /// Per-member test loss (mean of the per-batch MSEs over the <see cref="Xor.TestBatches"/> batches) and accuracy
    /// (rounded output equals rounded target), as <see cref="Xor.Evaluate"/> computes them for one run.
    /// </summary>
    public static Evaluation.OfMembers Evaluate(EnsembleTrainer trainer, Params stacked, Tensor testInputs, Tensor testTargets)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var output = trainer.Forward(stacked, testInputs); // [K, T]
        var k = output.shape[0];
        var loss = output.sub(testTargets).square().reshape(k, Xor.TestBatches, -1).mean([2]).mean([1]);
        var accuracy = output.round().eq(testTargets.round()).to(ScalarType.Float32).mean([1]);
        return new Evaluation.OfMembers(loss.to(ScalarType.Float64).data<double>().ToArray(), accuracy.to(ScalarType.Float64).data<double>().ToArray());
    }
}
