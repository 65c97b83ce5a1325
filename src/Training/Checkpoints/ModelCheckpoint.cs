using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Functional.Model;

namespace Functional.Training.Checkpoints;

/// <summary>A model read back from a checkpoint: its spec and params (owned by the caller, who disposes them).</summary>
public sealed record LoadedModel(MlpSpec Spec, Params Params);

/// <summary>
/// A trained model as safetensors bytes: the params under their state-dict names (<c>fc1.weight</c>, …) as F32, and
/// the <see cref="MlpSpec"/> as JSON under the metadata key <c>spec</c>, so the network can be rebuilt without
/// knowing it beforehand. Pure: bytes in, bytes out; the shell does the file work.
/// </summary>
public static class ModelCheckpoint
{
    /// <summary>The metadata key holding the spec's JSON.</summary>
    public const string SpecKey = "spec";
    /// <summary>The metadata key naming the format.</summary>
    public const string FormatKey = "format";
    /// <summary>The value of <see cref="FormatKey"/> this version writes.</summary>
    public const string Format = "functional-mlp/1";

    /// <summary>The checkpoint bytes for <paramref name="p"/> (which must have exactly the spec's parameters and shapes).</summary>
    public static byte[] Serialize(MlpSpec spec, Params p, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        RequireMatches(spec, p, "params");
        var entries = p.Items.Select(x => SafeTensors.FromTensor(x.Name, x.Value)).ToList();
        var metadata = new Dictionary<string, string>(extraMetadata ?? new Dictionary<string, string>())
        {
            [FormatKey] = Format,
            [SpecKey] = SpecToJson(spec),
        };
        return SafeTensors.Serialize(entries, metadata);
    }

    /// <summary>
    /// Reads a checkpoint. Any problem — not safetensors, no spec, a spec that does not parse, tensors missing or of
    /// the wrong shape or dtype — is an <see cref="InvalidDataException"/> with a one-line message starting with
    /// <paramref name="name"/>.
    /// </summary>
    public static LoadedModel Deserialize(ReadOnlySpan<byte> bytes, string name)
    {
        var file = SafeTensors.Deserialize(bytes, name);
        if (file.Metadata is null || !file.Metadata.TryGetValue(SpecKey, out var json))
            throw new InvalidDataException($"{name}: not a model checkpoint (its metadata has no '{SpecKey}')");
        var spec = SpecFromJson(json, name);
        foreach (var pname in spec.ParamNames())
        {
            if (!file.TryGetTensor(pname, out var entry))
                throw new InvalidDataException($"{name}: the spec {spec} needs tensor '{pname}', which the file lacks");
            if (entry.DType != "F32")
                throw new InvalidDataException($"{name}: tensor '{pname}' is {entry.DType}, expected F32");
            var expected = ExpectedShape(spec, pname);
            if (!entry.Shape.SequenceEqual(expected))
                throw new InvalidDataException($"{name}: tensor '{pname}' has shape [{string.Join(", ", entry.Shape)}] but the spec {spec} needs [{string.Join(", ", expected)}]");
        }
        var extra = file.Tensors.Select(t => t.Name).Except(spec.ParamNames()).ToList();
        if (extra.Count > 0)
            throw new InvalidDataException($"{name}: tensors not in the spec {spec}: {string.Join(", ", extra)}");
        var names = spec.ParamNames();
        return new LoadedModel(spec, new Params(names, names.Select(n => SafeTensors.ToTensor(file[n]))));
    }

    /// <summary>The spec as JSON (<see cref="SpecJson.Write"/>: the same form run checkpoints store, so either kind of file loads here).</summary>
    public static string SpecToJson(MlpSpec spec) => SpecJson.Write(spec);

    /// <summary>Parses <see cref="SpecToJson"/>'s output; anything else is an <see cref="InvalidDataException"/> naming <paramref name="name"/>.</summary>
    public static MlpSpec SpecFromJson(string json, string name)
    {
        try
        {
            return SpecJson.Read(json);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{name}: the spec in its metadata does not parse ({e.Message})");
        }
    }

    private static long[] ExpectedShape(MlpSpec spec, string paramName)
    {
        foreach (var (name, shape) in spec.Layers.SelectMany(l => l.ParamShapes))
            if (name == paramName) return shape;
        throw new ArgumentException($"'{paramName}' is not a parameter of {spec}");
    }

    private static void RequireMatches(MlpSpec spec, Params p, string what)
    {
        if (!p.Names.SequenceEqual(spec.ParamNames()))
            throw new ArgumentException($"{what} [{string.Join(", ", p.Names)}] do not match the spec's [{string.Join(", ", spec.ParamNames())}]");
        foreach (var (n, t) in p.Items)
            if (!t.shape.SequenceEqual(ExpectedShape(spec, n)))
                throw new ArgumentException($"{what}: '{n}' has shape [{string.Join(", ", t.shape)}], the spec needs [{string.Join(", ", ExpectedShape(spec, n))}]");
    }
}
