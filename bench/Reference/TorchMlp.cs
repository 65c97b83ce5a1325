using Functional.Model;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Functional.Reference;

/// <summary>
/// An <see cref="MlpSpec"/> built the way a PyTorch tutorial writes its network: an <c>nn.Sequential</c> of
/// <c>nn.Linear</c> modules named as the spec names its layers (so <see cref="StateDict"/> has the state-dict names the
/// functional core uses), each followed by its activation module (none for Identity), and <c>.squeeze(-1)</c> on the
/// output when the spec squeezes. It shares no code with the functional core's forward pass or init, which the oracle
/// tests compare with it. Dispose frees the modules.
/// </summary>
public sealed class TorchMlp : IDisposable
{
    private readonly Sequential _sequential;

    /// <summary>
    /// Builds the modules. Each <c>nn.Linear</c> draws its init from TorchSharp's global generator, layer by layer,
    /// weight before bias: under <c>torch.manual_seed(s)</c> this is the tutorial's model.
    /// </summary>
    public TorchMlp(MlpSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        var linears = new List<Linear>();
        foreach (var layer in spec.Layers)
        {
            var linear = nn.Linear(layer.In, layer.Out);
            linears.Add(linear);
            modules.Add((layer.Name, linear));
            if (ActivationModule(layer.Activation) is { } activation)
                modules.Add(($"{layer.Name}_{layer.Activation.Name}", activation));
        }
        Linears = linears;
        _sequential = nn.Sequential(modules);
    }

    /// <summary>
    /// The same modules with the weights and biases of <paramref name="initial"/> copied in (the global generator is
    /// still drawn from by the constructors): the imperative twin of a functional run that starts from these params.
    /// </summary>
    public static TorchMlp From(MlpSpec spec, Params initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        var model = new TorchMlp(spec);
        using var _ = no_grad();
        foreach (var (layer, linear) in spec.Layers.Zip(model.Linears))
        {
            linear.weight!.copy_(initial.Weight(layer));
            linear.bias!.copy_(initial.Bias(layer));
        }
        return model;
    }

    /// <summary>The network this model implements.</summary>
    public MlpSpec Spec { get; }

    /// <summary>The <c>nn.Linear</c> modules, input side first (their <c>.weight</c>, <c>.bias</c> and <c>.grad</c>s are live).</summary>
    public IReadOnlyList<Linear> Linears { get; }

    /// <summary>All trainable parameters in PyTorch's order (each layer's weight, then its bias).</summary>
    public IEnumerable<Parameter> Parameters() => _sequential.parameters();

    /// <summary>The state dict: the live parameter tensors by name (<c>l1.weight</c>, <c>fc1.bias</c>, …).</summary>
    public Dictionary<string, Tensor> StateDict() => _sequential.state_dict();

    /// <summary>The module's forward pass on <paramref name="x"/> ([..., In]); [..., Out], or [...] when the spec squeezes.</summary>
    public Tensor Forward(Tensor x)
    {
        var y = _sequential.forward(x);
        return Spec.SqueezeOutput ? y.squeeze(-1) : y;
    }

    /// <summary>Writes the parameters to <paramref name="path"/> in TorchSharp's own format (<c>Module.save</c>), as a TorchSharp program saves its model.</summary>
    public void Save(string path) => _sequential.save(path);

    /// <summary>Frees the modules and their parameters.</summary>
    public void Dispose() => _sequential.Dispose();

    private static nn.Module<Tensor, Tensor>? ActivationModule(Activation activation) => activation switch
    {
        Activation.Identity => null,
        Activation.Relu => nn.ReLU(),
        Activation.Sigmoid => nn.Sigmoid(),
        Activation.Tanh => nn.Tanh(),
        Activation.Elu e => nn.ELU(e.Alpha),
        Activation.LogSoftmax => nn.LogSoftmax(-1),
        _ => throw new NotSupportedException($"no torch.nn module for the activation {activation.Name}"),
    };
}
