using System.Collections.Immutable;
using System.Text;
using System.Text.Json.Nodes;
using Functional.Model;
using Functional.Properties.Support;
using Functional.Training;
using Functional.Formats;
using Functional.Training.Checkpoints;
using Functional.Training.Ensembles;
using Functional.Training.Optimizers;
using Xunit;
using static TorchSharp.torch;

namespace Functional.Properties.Core;

/// <summary>
/// A checkpoint (format functional-checkpoint/2) restores exactly the state it saved, refuses to load into another run,
/// and checks every field, tensor and blob before anything reaches libtorch.
/// </summary>
public sealed class CheckpointTests
{
    private static readonly MlpSpec Spec = new(3, [4], 2, new Activation.Tanh(), new Activation.Identity());

    private static (Trainer, TrainState) Trained(Optimizer optimizer, int steps)
    {
        var trainer = new Trainer(Spec, new Loss.Mse(), optimizer);
        var (x, r1) = Rng.Seed(2).Randn(6, 3);
        var (y, r2) = r1.Randn(6, 2);
        var (p, r3) = Init.Initialize(Spec, r2);
        var state = trainer.Start(p, r3);
        for (var i = 0; i < steps; i++) state = trainer.Step(state, new Batch(x, y)).State;
        return (trainer, state);
    }

    // A fresh state of the same run: what a resumed run checks a checkpoint against.
    private static TrainState Like(Trainer trainer) => trainer.Start(Init.Initialize(Spec, Rng.Seed(99)).Value, Rng.Seed(99));

    private static RunInfo Info(Trainer t, long step) =>
        new("test", t.Spec, t.Optimizer, new Position(3, 1, 0.25), ImmutableSortedDictionary<string, string>.Empty.Add("Seed", "2")) { Step = step, LogEvents = 17 };

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void Restores_params_optimizer_state_step_rng_position_and_the_log_position(string which)
    {
        using var scope = NewDisposeScope();
        Optimizer optimizer = which == "sgd" ? new Sgd(0.1, Momentum: 0.9) : new Adam(0.01, Amsgrad: true);
        var (trainer, state) = Trained(optimizer, 5);
        var files = Checkpoint.Serialize(state, Info(trainer, 5) with { PendingLog = ["{\"event\":\"step\"}", "{\"event\":\"epoch\"}"] });
        var (restored, info) = Checkpoint.Deserialize(files, "c", "test", trainer, Like(trainer));
        Assert.Equal(state.Step, restored.Step);
        Assert.Equal(state.Rng, restored.Rng);
        Assert.Equal(new Position(3, 1, 0.25), info.Next);
        Assert.Equal("2", info.Options["Seed"]);
        Assert.Equal(5, info.Step);
        Assert.Equal(17, info.LogEvents);
        Assert.Equal(["{\"event\":\"step\"}", "{\"event\":\"epoch\"}"], info.PendingLog.ToArray());
        Assert.Equal(state.Params.Values.Select(TensorAssert.Bytes), restored.Params.Values.Select(TensorAssert.Bytes));
        Assert.Equal(state.Optimizer.Tensors.Select(t => t.Name), restored.Optimizer.Tensors.Select(t => t.Name));
        Assert.Equal(state.Optimizer.Tensors.Select(t => TensorAssert.Bytes(t.Value)), restored.Optimizer.Tensors.Select(t => TensorAssert.Bytes(t.Value)));
        // The next step from the restored state equals the next step from the original.
        var (x, _) = Rng.Seed(9).Randn(6, 3);
        var (y, _) = Rng.Seed(10).Randn(6, 2);
        var a = trainer.Step(state, new Batch(x, y));
        var b = trainer.Step(restored, new Batch(x, y));
        Assert.Equal(a.Log.Loss, b.Log.Loss);
        Assert.Equal(a.State.Params.Values.Select(TensorAssert.Bytes), b.State.Params.Values.Select(TensorAssert.Bytes));
    }

    [Fact]
    public void The_model_file_is_a_plain_state_dict_with_the_spec_beside_it()
    {
        using var scope = NewDisposeScope();
        var (trainer, state) = Trained(new Adam(0.01), 1);
        var files = Checkpoint.Serialize(state, Info(trainer, 1));
        var file = SafeTensors.Deserialize(files.Model, "m");
        Assert.Equal(["l1.bias", "l1.weight", "l2.bias", "l2.weight"], file.Tensors.Select(t => t.Name).Order());
        Assert.All(file.Tensors, t => Assert.Equal("F32", t.DType));
        // The model loads on its own (as mnist predict loads it), the network rebuilt from its metadata.
        var model = ModelCheckpoint.Deserialize(files.Model, "m");
        Assert.Equal(Spec, model.Spec);
        Assert.Equal(state.Params.Values.Select(TensorAssert.Bytes), model.Params.Values.Select(TensorAssert.Bytes));
        model.Params.Dispose();
    }

    [Fact]
    public void Refuses_another_exercise_spec_optimizer_or_files_of_another_run()
    {
        using var scope = NewDisposeScope();
        var (trainer, state) = Trained(new Adam(0.01), 2);
        var files = Checkpoint.Serialize(state, Info(trainer, 2));
        var like = Like(trainer);
        Assert.Equal("c: a checkpoint of 'test', not 'logic'",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(files, "c", "logic", trainer, like)).Message);
        Assert.StartsWith("c: made for network 3-4-2 tanh/identity",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(files, "c", "test", trainer with { Spec = Spec with { Hidden = [5] } }, like)).Message);
        Assert.StartsWith("c: made with adam(lr=0.01)",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(files, "c", "test", trainer with { Optimizer = new Adam(0.02) }, like)).Message);
        // An SGD run's optimizer file (no Adam moments) beside this run's metadata.
        var (sgdTrainer, sgdState) = Trained(new Sgd(0.01), 2);
        var sgd = Checkpoint.Serialize(sgdState, Info(sgdTrainer, 2));
        Assert.Equal("c/optim.safetensors: lacks optimizer tensor 'exp_avg.l1.weight'",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(files with { Optimizer = sgd.Optimizer }, "c", "test", trainer, like)).Message);
        Assert.StartsWith("c/model.safetensors:",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(files with { Model = files.Model[..^3] }, "c", "test", trainer, like)).Message);
    }

    [Fact]
    public void The_optimizer_is_stored_as_data_and_compared_by_value()
    {
        using var scope = NewDisposeScope();
        var adam = new Adam(0.005, 0.85, 0.95, 1e-6, 0.02, Amsgrad: true);
        var (trainer, state) = Trained(adam, 3);
        var files = Checkpoint.Serialize(state, Info(trainer, 3));
        var json = JsonNode.Parse(files.Metadata)!.AsObject();
        Assert.Equal("""{"kind":"adam","lr":0.005,"betas":[0.85,0.95],"eps":1E-06,"weight_decay":0.02,"amsgrad":true}""", json["optimizer"]!.ToJsonString());
        Assert.Equal(3, json["train_step"]!.GetValue<long>()); // one step counter: the state's, beside the run's
        // The optimizer state keeps torch.optim's names.
        Assert.Equal(new[] { "exp_avg", "exp_avg_sq", "max_exp_avg_sq" }.SelectMany(b => Spec.ParamNames().Select(n => $"{b}.{n}")).Order(),
            SafeTensors.Deserialize(files.Optimizer, "o").Tensors.Select(t => t.Name).Order());
        var like = Like(trainer);

        // Equal by value, not by text: the same optimizer written another way resumes; one changed value does not.
        CheckpointFiles WithOptimizer(string text) => Edit(files, j => j["optimizer"] = JsonNode.Parse(text));
        var respelled = """{"amsgrad":true,"weight_decay":2e-2,"eps":0.000001,"betas":[0.85,0.950],"lr":5e-3,"kind":"adam"}""";
        Checkpoint.Deserialize(WithOptimizer(respelled), "c", "test", trainer, like).State.Dispose();
        Assert.Equal("c: made with adam(lr=0.005, betas=(0.85, 0.95), eps=1E-06, weight_decay=0.02), but this run uses "
                     + "adam(lr=0.005, betas=(0.85, 0.95), eps=1E-06, weight_decay=0.02, amsgrad)",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(WithOptimizer(respelled.Replace("true", "false")), "c", "test", trainer, like)).Message);
        Assert.Equal("c/checkpoint.json: not a valid optimizer (Invalid beta parameter at index 0: 1)",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(WithOptimizer(respelled.Replace("0.85", "1")), "c", "test", trainer, like)).Message);
    }

    [Fact]
    public void A_per_member_learning_rate_round_trips_through_a_checkpoint()
    {
        using var scope = NewDisposeScope();
        var (trainer, state) = Trained(new Sgd(0.1, Momentum: 0.9), 2);
        var members = new Sgd(LearningRate.PerMember([0.1, 0.01, 0.5]), Momentum: 0.9);
        var files = Checkpoint.Serialize(state, Info(trainer, 2) with { Optimizer = members });
        var (restored, info) = Checkpoint.Deserialize(files, "c", "test", trainer with { Optimizer = members }, Like(trainer));
        Assert.Equal(members, info.Optimizer);
        Assert.Equal(state.Optimizer.Tensors.Select(t => TensorAssert.Bytes(t.Value)), restored.Optimizer.Tensors.Select(t => TensorAssert.Bytes(t.Value)));
        Assert.Contains("made with sgd(lr=[0.1, 0.01, 0.5], momentum=0.9), but this run uses sgd(lr=0.1, momentum=0.9)",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(files, "c", "test", trainer, Like(trainer))).Message);
    }

    [Fact]
    public void Carries_an_ensembles_stacked_params_member_loss_sums_and_a_stage_exactly()
    {
        using var scope = NewDisposeScope();
        var ensemble = new EnsembleTrainer(Spec, new Loss.Mse(), new Sgd(0.1));
        var (p, rng) = Init.Initialize(Spec, Rng.Seed(4));
        var (q, _) = Init.Initialize(Spec, rng);
        var stacked = ensemble.Start(Ensemble.Stack([p, q]), Rng.Seed(5));
        var next = new Position(2, 7) { MemberLossSums = [0.1 + 0.2, double.NaN] };
        var info = new RunInfo("test", Spec, ensemble.Optimizer, next, ImmutableSortedDictionary<string, string>.Empty) { Stage = "{\"stage\":1}" };
        var files = Checkpoint.Serialize(stacked, info);
        Assert.Equal(Checkpoint.EnsembleModelFormat, SafeTensors.Deserialize(files.Model, "m").Metadata!["format"]);
        var read = Checkpoint.ReadInfo(files.Metadata, "c", "test");
        Assert.Equal(next, read.Next);
        Assert.Equal("{\"stage\":1}", read.Stage);
        var like = ensemble.Start(Ensemble.Stack([p.Clone(), q.Clone()]), Rng.Seed(6));
        var (restored, _) = Checkpoint.Deserialize(files, "c", "test", ensemble, like);
        Assert.Equal(stacked.Params.Values.Select(TensorAssert.Bytes), restored.Params.Values.Select(TensorAssert.Bytes));
        // Sums for 2 members do not fit an ensemble of 3; a position inside an epoch needs them.
        var (r, _) = Init.Initialize(Spec, Rng.Seed(7));
        var three = ensemble.Start(Ensemble.Stack([p.Clone(), q.Clone(), r]), Rng.Seed(6));
        Assert.Equal("c/model.safetensors: parameter 'l1.weight' has shape [2, 4, 3], this run's is [3, 4, 3]",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(Checkpoint.Serialize(stacked, info with { Next = new Position(2, 0) }), "c", "test", ensemble, three)).Message);
        Assert.Equal("c: holds 2 member loss sums, this run trains 3 members",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(files, "c", "test", ensemble, three)).Message);
        Assert.Equal("c: stops inside epoch 2 (batch 7) without the members' loss sums so far",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(Checkpoint.Serialize(stacked, info with { Next = new Position(2, 7) }), "c", "test", ensemble, like)).Message);
        // A single model's checkpoint has neither.
        var (trainer, single) = Trained(new Sgd(0.1), 1);
        var plain = Checkpoint.ReadInfo(Checkpoint.Serialize(single, Info(trainer, 1)).Metadata, "c", "test");
        Assert.Null(plain.Next.MemberLossSums);
        Assert.Null(plain.Stage);
    }

    /// <summary>A corruption of a checkpoint of <see cref="Spec"/> trained with Adam, and the one line it must be refused with.</summary>
    public static TheoryData<string, string> Corruptions => new()
    {
        { "next.epoch -5", "c/checkpoint.json: 'next.epoch' is -5, expected at least 1" },
        { "next.batch -1", "c/checkpoint.json: 'next.batch' is -1, expected at least 0" },
        { "next.epoch 1.5", "c/checkpoint.json: 'next.epoch' is 1.5, expected a whole number" },
        { "next.epoch text", "c/checkpoint.json: 'next.epoch' is text, expected a number" },
        { "step -1", "c/checkpoint.json: 'step' is -1, expected at least 0" },
        { "train_step past step", "c/checkpoint.json: 'train_step' is 3, expected 0 to 2" },
        { "epoch_loss_sum NaN", "c/checkpoint.json: next.epoch_loss_sum is NaN, expected a finite number" },
        { "member sums for one model", "c: holds per-member loss sums, but this run trains one model" },
        { "no rng", "c/checkpoint.json: no 'rng'" },
        { "3-byte rng", "c/checkpoint.json: rng is 4 characters of base64, a generator state takes 6744" },
        { "rng not base64", "c/checkpoint.json: rng is not base64" },
        { "rng unseeded", "c/checkpoint.json: rng is not a generator state (its mt19937 state is marked unseeded)" },
        { "rng left 0", "c/checkpoint.json: rng is not a generator state (its mt19937 'left' is 0, outside 1..624)" },
        { "rng next 9999", "c/checkpoint.json: rng is not a generator state (its mt19937 'next' is 9999, above 624)" },
        { "format 1", "c/checkpoint.json: a checkpoint of the older format functional-checkpoint/1, which this version does not resume" },
        { "format 3", "c/checkpoint.json: unsupported checkpoint format 'functional-checkpoint/3' (this version reads functional-checkpoint/2)" },
        { "not JSON", "c/checkpoint.json: not JSON (" },
        { "an array", "c/checkpoint.json: not a JSON object" },
        { "options not text", "c/checkpoint.json: options.Seed is not text" },
        { "spec broken", "c/checkpoint.json: " },
        { "pending not lines", "c/checkpoint.json: log.pending holds something that is not one line of text" },
        { "events -1", "c/checkpoint.json: 'log.events' is -1, expected at least 0" },
        { "stage a number", "c/checkpoint.json: stage is neither null nor text" },
        { "weight [4,1] for [4,3]", "c/model.safetensors: parameter 'l1.weight' has shape [4, 1], this run's is [4, 3]" },
        { "bias shape []", "c/model.safetensors: parameter 'l1.bias' has shape [], this run's is [4]" },
        { "weight I32", "c/model.safetensors: parameter 'l1.weight' is I32, expected F32" },
        { "weight F64", "c/model.safetensors: parameter 'l1.weight' is F64, expected F32" },
        { "weight missing", "c/model.safetensors: lacks parameter 'l1.weight'" },
        { "an extra tensor", "c/model.safetensors: holds tensors this run does not have: l3.weight" },
        { "optimizer moment of another shape", "c/optim.safetensors: optimizer tensor 'exp_avg.l2.bias' has shape [3], this run's is [2]" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void A_corrupt_checkpoint_is_refused_with_one_line_before_anything_reaches_libtorch(string corruption, string message)
    {
        using var scope = NewDisposeScope();
        var (trainer, state) = Trained(new Adam(0.01), 2);
        var files = Checkpoint.Serialize(state, Info(trainer, 2));
        var rng = state.Rng.GetState();
        CheckpointFiles Json(Action<JsonObject> edit) => Edit(files, edit);
        CheckpointFiles Rng(Action<byte[]> edit)
        {
            var bytes = (byte[])rng.Clone();
            edit(bytes);
            return Json(j => j["rng"] = Convert.ToBase64String(bytes));
        }
        CheckpointFiles Model(Func<List<TensorEntry>, List<TensorEntry>> edit) => files with { Model = Rewrite(files.Model, edit) };
        var corrupt = corruption switch
        {
            "next.epoch -5" => Json(j => j["next"]!["epoch"] = -5),
            "next.batch -1" => Json(j => j["next"]!["batch"] = -1),
            "next.epoch 1.5" => Json(j => j["next"]!["epoch"] = 1.5),
            "next.epoch text" => Json(j => j["next"]!["epoch"] = "3"),
            "step -1" => Json(j => j["step"] = -1),
            "train_step past step" => Json(j => j["train_step"] = 3),
            "epoch_loss_sum NaN" => Json(j => j["next"]!["epoch_loss_sum"] = "NaN"),
            "member sums for one model" => Json(j => j["next"]!["member_loss_sums"] = new JsonArray(1.0)),
            "no rng" => Json(j => j.Remove("rng")),
            "3-byte rng" => Json(j => j["rng"] = Convert.ToBase64String(new byte[] { 1, 2, 3 })),
            "rng not base64" => Json(j => j["rng"] = new string('!', 6744)),
            "rng unseeded" => Rng(b => BitConverter.GetBytes(0).CopyTo(b, 12)),
            "rng left 0" => Rng(b => BitConverter.GetBytes(0).CopyTo(b, 8)),
            "rng next 9999" => Rng(b => BitConverter.GetBytes(9999L).CopyTo(b, 16)),
            "format 1" => Json(j => j["format"] = "functional-checkpoint/1"),
            "format 3" => Json(j => j["format"] = "functional-checkpoint/3"),
            "not JSON" => files with { Metadata = Encoding.UTF8.GetBytes("{\"format\": ") },
            "an array" => files with { Metadata = "[1, 2]"u8.ToArray() },
            "options not text" => Json(j => j["options"]!["Seed"] = 2),
            "spec broken" => Json(j => j["spec"]!["hidden"] = new JsonArray(-4)),
            "pending not lines" => Json(j => j["log"]!["pending"] = new JsonArray("two\nlines")),
            "events -1" => Json(j => j["log"]!["events"] = -1),
            "stage a number" => Json(j => j["stage"] = 7),
            "weight [4,1] for [4,3]" => Model(t => Replace(t, "l1.weight", e => new TensorEntry(e.Name, "F32", [4, 1], new byte[16]))),
            "bias shape []" => Model(t => Replace(t, "l1.bias", e => new TensorEntry(e.Name, "F32", [], new byte[4]))),
            "weight I32" => Model(t => Replace(t, "l1.weight", e => new TensorEntry(e.Name, "I32", e.Shape, e.Data))),
            "weight F64" => Model(t => Replace(t, "l1.weight", e => new TensorEntry(e.Name, "F64", e.Shape, new byte[e.Data.Length * 2]))),
            "weight missing" => Model(t => [.. t.Where(e => e.Name != "l1.weight")]),
            "an extra tensor" => Model(t => [.. t, new TensorEntry("l3.weight", "F32", [1], new byte[4])]),
            "optimizer moment of another shape" => files with
            {
                Optimizer = Rewrite(files.Optimizer, t => Replace(t, "exp_avg.l2.bias", e => new TensorEntry(e.Name, "F32", [3], new byte[12]))),
            },
            _ => throw new ArgumentException(corruption),
        };
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Deserialize(corrupt, "c", "test", trainer, Like(trainer)));
        Assert.StartsWith(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_generator_state_libtorch_would_abort_on_is_refused_by_Rng_itself()
    {
        // TorchSharp's set_state has no error guard: these would end the process (SIGABRT) if they reached it.
        Assert.Throws<ArgumentException>(() => Functional.Model.Rng.FromState([1, 2, 3]));
        var state = Functional.Model.Rng.Seed(1).GetState();
        BitConverter.GetBytes(625).CopyTo(state, 8);
        Assert.Contains("'left' is 625", Assert.Throws<ArgumentException>(() => Functional.Model.Rng.FromState(state)).Message);
        // A valid state round-trips.
        var drawn = Functional.Model.Rng.Seed(3).Rand(5).Rng;
        Assert.Equal(drawn, Functional.Model.Rng.FromState(drawn.GetState()));
    }

    private static CheckpointFiles Edit(CheckpointFiles files, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(files.Metadata)!.AsObject();
        edit(json);
        return files with { Metadata = Encoding.UTF8.GetBytes(json.ToJsonString()) };
    }

    private static byte[] Rewrite(byte[] safetensors, Func<List<TensorEntry>, List<TensorEntry>> edit)
    {
        var file = SafeTensors.Deserialize(safetensors, "x");
        return SafeTensors.Serialize(edit([.. file.Tensors]), file.Metadata?.ToDictionary(m => m.Key, m => m.Value));
    }

    private static List<TensorEntry> Replace(List<TensorEntry> entries, string name, Func<TensorEntry, TensorEntry> replace) =>
        [.. entries.Select(e => e.Name == name ? replace(e) : e)];
}
