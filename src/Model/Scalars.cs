using TorchSharp;
using static TorchSharp.torch;

namespace Functional.Model;

/// <summary>
/// Scalars that stay alive while libtorch reads them. TorchSharp turns a .NET number into a <see cref="Scalar"/> with a
/// finalizer that frees its native value, and its ops read the handle without keeping the object alive through the
/// native call (<c>THSTensor_add(Handle, target.Handle, alpha.Handle)</c>, no <c>GC.KeepAlive</c>): an implicit
/// temporary such as <c>p.add(g, alpha: 0.1)</c> can be finalized while the op still reads it, which showed once as a
/// native "Scalar::toFloat" error in a 50,000-step run under load. Code that runs every step therefore passes scalars
/// it holds: <see cref="One"/>, or one made with <c>using var s = x.ToScalar()</c> around the ops that read it.
/// </summary>
public static class Scalars
{
    /// <summary>The integer 1, held for the life of the process: the alpha of a plain <c>add</c>.</summary>
    public static Scalar One { get; } = 1.ToScalar();
}
