using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Reference;

/// <summary>
/// The imperative training loop of the tutorials: per batch <c>optimizer.zero_grad()</c>, forward, loss,
/// <c>loss.backward()</c>, <c>optimizer.step()</c>, <c>loss.item()</c>, each step in its own DisposeScope. The model's
/// parameters change in place; after a step their <c>.grad</c> holds that step's gradient. Owns the model and the
/// optimizer: Dispose frees both.
/// </summary>
public sealed class TorchTrainer : IDisposable
{
    private readonly optim.Optimizer _optimizer;
    private readonly Loss _loss;

    /// <summary>Trains <paramref name="model"/> (now owned by this trainer) with <paramref name="loss"/> and a new <paramref name="optimizer"/>.</summary>
    public TorchTrainer(TorchMlp model, Loss loss, TorchOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        Model = model;
        _loss = loss;
        _optimizer = optimizer.Create(model.Parameters());
    }

    /// <summary>The model being trained.</summary>
    public TorchMlp Model { get; }

    /// <summary>One optimizer step on (<paramref name="inputs"/>, <paramref name="targets"/>); returns the loss before the update.</summary>
    public float Step(Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        _optimizer.zero_grad();
        var loss = LossOf(Model.Forward(inputs), targets);
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }

    /// <summary>One step per batch, in order, lazily: each loss is yielded as its step is taken.</summary>
    public IEnumerable<float> Train(IEnumerable<(Tensor Inputs, Tensor Targets)> batches)
    {
        foreach (var (inputs, targets) in batches)
            yield return Step(inputs, targets);
    }

    /// <summary>Frees the optimizer's state and the model.</summary>
    public void Dispose()
    {
        _optimizer.Dispose();
        Model.Dispose();
    }

    // torch.nn.functional's losses with reduction 'mean'. PyTorch only warns when an MSE/BCE output and target differ in
    // shape and then broadcasts ([B,1] against [B] gives a [B,B] loss): a reference must not quietly compute that.
    private Tensor LossOf(Tensor output, Tensor target)
    {
        if (_loss is Loss.Mse or Loss.Bce && !output.shape.SequenceEqual(target.shape))
            throw new ArgumentException(
                $"{_loss.Name}: output shape [{string.Join(", ", output.shape)}] differs from target shape [{string.Join(", ", target.shape)}]");
        return _loss switch
        {
            Loss.Mse => nn.functional.mse_loss(output, target),
            Loss.Bce => nn.functional.binary_cross_entropy(output, target),
            Loss.CrossEntropy => nn.functional.cross_entropy(output, target),
            Loss.Nll => nn.functional.nll_loss(output, target),
            _ => throw new NotSupportedException($"no torch.nn.functional loss for {_loss.Name}"),
        };
    }
}
