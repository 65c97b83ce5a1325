using Functional.Model;
using static TorchSharp.torch;

namespace Functional.Training.Data;

/// <summary>
/// Gaussian blobs: <see cref="Points"/> [n, features] float32, the cluster of each point <see cref="Cluster"/> [n] int64
/// (0 … centers−1), and the cluster <see cref="Centers"/> [centers, features] float32. Dispose frees all three.
/// </summary>
public sealed record BlobData(Tensor Points, Tensor Cluster, Tensor Centers) : IDisposable
{
    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        Points.Dispose();
        Cluster.Dispose();
        Centers.Dispose();
    }
}

/// <summary>
/// An equivalent of scikit-learn's <c>make_blobs</c> drawing from an <see cref="Rng"/> (same algorithm, not the same
/// numbers: scikit-learn draws from NumPy). Draw order: the centers U(box) as [centers, features]; then, cluster by
/// cluster, that cluster's points as center + std·N(0,1); then, when shuffling, one permutation of all points.
/// Cluster sizes are n / centers, the first n mod centers clusters getting one more (as make_blobs).
/// </summary>
public static class Blobs
{
    /// <summary>Draws <paramref name="samples"/> points around <paramref name="centers"/> random centers.</summary>
    /// <param name="samples">Number of points (positive).</param>
    /// <param name="rng">Where the draws come from; the returned Rng follows them.</param>
    /// <param name="features">Dimensions of each point (make_blobs default 2).</param>
    /// <param name="centers">Number of clusters (make_blobs default 3).</param>
    /// <param name="clusterStd">Standard deviation of every cluster (make_blobs default 1.0; the tutorial uses 1.5).</param>
    /// <param name="boxLow">Lower bound of the box the centers are drawn in (make_blobs default −10).</param>
    /// <param name="boxHigh">Upper bound of that box (default 10).</param>
    /// <param name="shuffle">Shuffle the points (make_blobs default true); otherwise they come cluster by cluster.</param>
    public static Drawn<BlobData> Make(int samples, Rng rng, int features = 2, int centers = 3, double clusterStd = 1.5,
        double boxLow = -10, double boxHigh = 10, bool shuffle = true)
    {
        if (samples <= 0) throw new ArgumentException($"blobs: the number of samples must be positive, got {samples}");
        if (features <= 0) throw new ArgumentException($"blobs: the number of features must be positive, got {features}");
        if (centers <= 0) throw new ArgumentException($"blobs: the number of centers must be positive, got {centers}");
        if (!(clusterStd >= 0) || double.IsInfinity(clusterStd)) throw new ArgumentException($"blobs: the cluster std must be a finite number ≥ 0, got {clusterStd}");
        if (!(boxLow < boxHigh) || !double.IsFinite(boxLow) || !double.IsFinite(boxHigh))
            throw new ArgumentException($"blobs: the center box must be finite with low < high, got ({boxLow}, {boxHigh})");

        var (centerValues, r) = rng.Uniform([centers, features], boxLow, boxHigh);
        using (centerValues)
            return Around(centerValues, samples, r, clusterStd, shuffle);
    }

    /// <summary>
    /// Draws <paramref name="samples"/> points around the given <paramref name="centers"/> ([centers, features]) exactly
    /// as <see cref="Make"/> does after drawing its centers (cluster by cluster, then the shuffle). The returned
    /// <see cref="BlobData.Centers"/> is a copy.
    /// </summary>
    public static Drawn<BlobData> Around(Tensor centers, int samples, Rng rng, double clusterStd = 1.5, bool shuffle = true)
    {
        if (samples <= 0) throw new ArgumentException($"blobs: the number of samples must be positive, got {samples}");
        if (centers.dim() != 2 || centers.shape[0] == 0) throw new ArgumentException($"blobs: centers must be [centers, features], got [{string.Join(", ", centers.shape)}]");
        using var scope = NewDisposeScope();
        var count = (int)centers.shape[0];
        var features = centers.shape[1];
        var parts = new List<Tensor>();
        var clusters = new List<Tensor>();
        for (var c = 0; c < count; c++)
        {
            var n = samples / count + (c < samples % count ? 1 : 0);
            if (n == 0) continue;
            var (noise, next) = rng.Randn(n, features);
            rng = next;
            parts.Add(noise.mul(clusterStd).add(centers[c]));
            clusters.Add(full([n], c, dtype: ScalarType.Int64));
        }
        var points = cat(parts, 0);
        var cluster = cat(clusters, 0);
        if (shuffle)
        {
            var (perm, next) = rng.RandPerm(samples);
            rng = next;
            points = points.index_select(0, perm);
            cluster = cluster.index_select(0, perm);
        }
        var copy = centers.detach().clone();
        scope.MoveToOuter(points, cluster, copy);
        return new(new BlobData(points, cluster, copy), rng);
    }

    /// <summary>The tutorial's binary labels: 0 for points of cluster 0, 1 for every other cluster (float32 [n]).</summary>
    public static Tensor ZeroVersusRest(Tensor cluster) => cluster.ne(0).to(ScalarType.Float32);
}
