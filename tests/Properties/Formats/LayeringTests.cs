using Functional.Formats;
using Xunit;

namespace Functional.Properties.Formats;

/// <summary>Functional.Formats is the bottom layer: file formats with no tensors and no training in them.</summary>
public sealed class LayeringTests
{
    [Fact]
    public void Formats_references_neither_TorchSharp_nor_another_Functional_assembly()
    {
        var references = typeof(SafeTensors).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Equal(typeof(SafeTensors).Assembly, typeof(Idx).Assembly);
        Assert.DoesNotContain(references, name => name.StartsWith("TorchSharp", StringComparison.Ordinal));
        Assert.DoesNotContain(references, name => name.StartsWith("Functional.", StringComparison.Ordinal));
    }
}
