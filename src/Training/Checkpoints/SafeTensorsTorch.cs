using System.Collections.Immutable;
using Functional.Formats;
using TorchSharp;

namespace Functional.Training.Checkpoints;

/// <summary>
/// The TorchSharp side of safetensors: tensors to and from <see cref="TensorEntry"/>. They are static members of
/// <see cref="SafeTensors"/> through a C# 14 extension (<c>SafeTensors.FromTensor(name, t)</c>,
/// <c>SafeTensors.ToTensor(entry)</c>), so the byte format and its validation stay in Functional.Formats, which has no
/// TorchSharp dependency, while callers that have tensors spell the conversion next to the format.
/// </summary>
public static class SafeTensorsTorch
{
    extension(SafeTensors)
    {
        /// <summary>
        /// A copy of <paramref name="tensor"/> as an entry: moved to the CPU, made contiguous, bytes copied.
        /// Supported element types: float64/32/16, bfloat16, int64/32/16/8, uint8 and bool.
        /// </summary>
        /// <exception cref="NotSupportedException">For other element types, or on a big-endian machine.</exception>
        public static TensorEntry FromTensor(string name, torch.Tensor tensor)
        {
            ArgumentNullException.ThrowIfNull(name);
            ArgumentNullException.ThrowIfNull(tensor);
            RequireLittleEndian();
            var dtype = tensor.dtype switch
            {
                torch.ScalarType.Float64 => "F64",
                torch.ScalarType.Float32 => "F32",
                torch.ScalarType.Float16 => "F16",
                torch.ScalarType.BFloat16 => "BF16",
                torch.ScalarType.Int64 => "I64",
                torch.ScalarType.Int32 => "I32",
                torch.ScalarType.Int16 => "I16",
                torch.ScalarType.Int8 => "I8",
                torch.ScalarType.Byte => "U8",
                torch.ScalarType.Bool => "BOOL",
                var other => throw new NotSupportedException($"Tensor \"{name}\" has element type {other}, which has no safetensors mapping here."),
            };
            var shape = ImmutableArray.Create(tensor.shape);
            using var cpu = tensor.cpu();
            using var contiguous = cpu.contiguous();
            byte[] bytes = contiguous.numel() == 0 ? [] : contiguous.bytes.ToArray();
            return new TensorEntry(name, dtype, shape, bytes);
        }

        /// <summary>A new CPU tensor (owned by the caller) with the entry's dtype, shape and a copy of its bytes.</summary>
        /// <exception cref="NotSupportedException">For U16/U32/U64, which have no TorchSharp element type here, or on a big-endian machine.</exception>
        public static torch.Tensor ToTensor(TensorEntry entry)
        {
            ArgumentNullException.ThrowIfNull(entry);
            RequireLittleEndian();
            var type = entry.DType switch
            {
                "F64" => torch.ScalarType.Float64,
                "F32" => torch.ScalarType.Float32,
                "F16" => torch.ScalarType.Float16,
                "BF16" => torch.ScalarType.BFloat16,
                "I64" => torch.ScalarType.Int64,
                "I32" => torch.ScalarType.Int32,
                "I16" => torch.ScalarType.Int16,
                "I8" => torch.ScalarType.Int8,
                "U8" => torch.ScalarType.Byte,
                "BOOL" => torch.ScalarType.Bool,
                var other => throw new NotSupportedException($"Tensor \"{entry.Name}\" has dtype {other}, which has no TorchSharp element type here."),
            };
            var result = torch.empty(entry.Shape.ToArray(), type);
            try
            {
                if (!entry.Data.IsEmpty)
                {
                    entry.Data.Span.CopyTo(result.bytes);
                }
                return result;
            }
            catch
            {
                result.Dispose();
                throw;
            }
        }
    }

    private static void RequireLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new NotSupportedException("safetensors data is little-endian; tensor conversion on a big-endian machine is not implemented.");
        }
    }
}
