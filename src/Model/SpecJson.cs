using System.Text.Json;
using System.Text.Json.Nodes;

namespace Functional.Model;

/// <summary>
/// A stable JSON form of an <see cref="MlpSpec"/> (stored in checkpoints so a file can be checked against, or rebuild,
/// the network it was made for). Keys: inputs, hidden, outputs, activation, head, squeeze, layers, and elu_alpha when an
/// activation is Elu.
/// </summary>
public static class SpecJson
{
    /// <summary>The spec as compact JSON with a fixed key order (equal specs give equal strings).</summary>
    public static string Write(MlpSpec spec)
    {
        var o = new JsonObject
        {
            ["inputs"] = spec.Inputs,
            ["hidden"] = new JsonArray([.. spec.Hidden.Select(h => (JsonNode)h)]),
            ["outputs"] = spec.Outputs,
            ["activation"] = spec.HiddenActivation.Name,
            ["head"] = spec.Head.Name,
            ["squeeze"] = spec.SqueezeOutput,
            ["layers"] = new JsonArray([.. spec.Layers.Select(l => (JsonNode)l.Name)]),
        };
        if (spec.HiddenActivation is Activation.Elu e) o["elu_alpha"] = e.Alpha;
        if (spec.Head is Activation.Elu h2) o["head_elu_alpha"] = h2.Alpha;
        return o.ToJsonString();
    }

    /// <summary>Rebuilds a spec from <see cref="Write"/>'s JSON; malformed JSON throws <see cref="InvalidDataException"/>.</summary>
    public static MlpSpec Read(string json)
    {
        try
        {
            var o = JsonNode.Parse(json)!.AsObject();
            Activation Act(string key, string alphaKey) =>
                Activation.Parse(o[key]!.GetValue<string>()) is Activation.Elu && o[alphaKey] is { } a
                    ? new Activation.Elu(a.GetValue<double>())
                    : Activation.Parse(o[key]!.GetValue<string>());
            var spec = new MlpSpec(o["inputs"]!.GetValue<int>(), o["hidden"]!.AsArray().Select(h => h!.GetValue<int>()),
                o["outputs"]!.GetValue<int>(), Act("activation", "elu_alpha"), Act("head", "head_elu_alpha"))
            {
                SqueezeOutput = o["squeeze"]?.GetValue<bool>() ?? false,
            };
            var layers = o["layers"]?.AsArray().Select(l => l!.GetValue<string>()).ToArray();
            if (layers is not null && layers.Length != spec.LayerCount)
                throw new InvalidDataException($"spec lists {layers.Length} layer names for {spec.LayerCount} layers");
            return layers is null ? spec : spec with { LayerNames = [.. layers] };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or ArgumentException or FormatException)
        {
            throw new InvalidDataException($"not a valid network spec ({e.Message})");
        }
    }
}
