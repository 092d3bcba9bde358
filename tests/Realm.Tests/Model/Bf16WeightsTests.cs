using Realm.Engine.Compute;
using Realm.Engine.Generation;
using Realm.Engine.Kernels;
using Realm.Engine.Lora;
using Realm.Engine.Model;
using Realm.Training;
using Realm.Engine.Tokenizers;
using Realm.Tests.Lora;

namespace Realm.Tests.Model;

/// <summary>
/// Models that keep only BF16 inference weights: the same greedy ids and log-probs as PyTorch and as the
/// F32 model, half the memory, and a clear refusal of everything that needs F32 weights.
/// </summary>
public class Bf16WeightsTests
{
    private static Completion Greedy(LlamaModel model, int[] prompt, int count)
    {
        using var generator = new Generator(model, maxBatch: 2, maxLength: 64);
        return generator.Generate([prompt], new SamplingOptions { Greedy = true, MaxNewTokens = count })[0];
    }

    private static void AssertIdentical(Completion expected, Completion actual)
    {
        Assert.Equal(expected.Tokens, actual.Tokens);
        Assert.Equal(expected.Logprobs, actual.Logprobs);
    }

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void Bf16CheckpointDecodesAsPyTorchAndExactlyAsF32(SimdLevel simd)
    {
        const string name = "gqa_tied_bf16";
        using var cpu = TestSupport.NewCpu(simd);
        using var expected = Fixtures.Expected(name);
        var prompt = expected.ReadInt32("gen_prompt");
        var want = expected.ReadInt32("gen_ids");
        Assert.True(LlamaModel.StoresBf16(Fixtures.Model(name)));
        using var f32 = LlamaModel.Load(Fixtures.Model(name), cpu);
        using var bf16 = LlamaModel.LoadBf16(Fixtures.Model(name), cpu);
        Assert.Throws<RealmException>(() => bf16.Weights); // never had F32 weights

        var a = Greedy(f32, prompt, want.Length);
        var b = Greedy(bf16, prompt, want.Length);
        Assert.Equal(want, b.Tokens);
        TestSupport.AssertClose(b.Logprobs, expected.ReadFloat("gen_logprobs"), 1e-3, "BF16 greedy logprobs vs PyTorch");
        // The checkpoint's values are BF16, so nothing is rounded: the same products in the same order.
        AssertIdentical(a, b);
        f32.KeepOnlyBf16Weights();
        AssertIdentical(a, Greedy(f32, prompt, want.Length));
    }

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void UntiedModelWithBiasesDecodesAsF32(SimdLevel simd)
    {
        // An F32 checkpoint rounded to BF16 values first, so BF16 storage loses nothing further: this checks
        // the untied embedding (looked up in its own packed matrix) and the bias copies exactly.
        using var cpu = TestSupport.NewCpu(simd);
        using var f32 = LlamaModel.Load(Fixtures.Model("qwen_bias_untied"), cpu);
        var weights = f32.Weights.Span;
        for (int i = 0; i < weights.Length; i++) weights[i] = Bf16.ToFloat(Bf16.FromFloat(weights[i]));
        using var bf16 = LlamaModel.Load(Fixtures.Model("qwen_bias_untied"), cpu);
        weights.CopyTo(bf16.Weights.Span);
        bf16.KeepOnlyBf16Weights();
        var prompt = new[] { 3, 14, 15, 9, 26, 5, 35 };
        AssertIdentical(Greedy(f32, prompt, 20), Greedy(bf16, prompt, 20));
    }

    [Fact]
    public void F32CheckpointRoundedToBf16StillDecodesAsPyTorch()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var expected = Fixtures.Expected("qwen_bias_untied");
        Assert.False(LlamaModel.StoresBf16(Fixtures.Model("qwen_bias_untied")));
        using var model = LlamaModel.LoadBf16(Fixtures.Model("qwen_bias_untied"), cpu);
        var want = expected.ReadInt32("gen_ids");
        var completion = Greedy(model, expected.ReadInt32("gen_prompt"), want.Length);
        Assert.Equal(want, completion.Tokens);
        TestSupport.AssertClose(completion.Logprobs, expected.ReadFloat("gen_logprobs"), 1e-2, "logprobs with rounded weights");
        // Loading straight into BF16 rounds exactly as converting a loaded F32 model does.
        using var converted = LlamaModel.Load(Fixtures.Model("qwen_bias_untied"), cpu);
        converted.KeepOnlyBf16Weights();
        AssertIdentical(completion, Greedy(converted, expected.ReadInt32("gen_prompt"), want.Length));
    }

    [Fact]
    public void StreamingGenerationUsesTheBf16Weights()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = LlamaModel.Load(Fixtures.Model("gqa_tied_bf16"), cpu);
        model.KeepOnlyBf16Weights();
        var prompt = new[] { 1, 5, 9, 13 };
        var batched = Greedy(model, prompt, 10);
        using var streaming = new StreamingGenerator(model, maxLength: 64);
        var streamed = streaming.Generate(prompt, new SamplingOptions { Greedy = true, MaxNewTokens = 10 });
        AssertIdentical(batched, streamed);
    }

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void MemoryHalves(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        // Widths that fill whole panels (as real models' do), Qwen2-style biases, tied and untied.
        foreach (bool tied in new[] { true, false })
        {
            var config = new LlamaConfig
            {
                ModelType = "qwen2", HiddenSize = 128, IntermediateSize = 320, NumHiddenLayers = 2, NumAttentionHeads = 4,
                NumKeyValueHeads = 2, VocabSize = 512, TieWordEmbeddings = tied, AttentionBias = true, MaxPositionEmbeddings = 64,
            };
            using var model = new LlamaModel(config, cpu);
            model.InitializeRandom(1);
            long f32Weights = model.Weights.Length * sizeof(float);
            using var f32Packed = new PackedWeights(model);
            model.KeepOnlyBf16Weights();
            var bf16 = model.InferenceWeights!;
            Assert.Equal(WeightFormat.Bf16, bf16.Format);
            // What a decoding step reads halves exactly. The whole BF16 model (no F32 buffer left; norm gains
            // and biases kept in F32) is half its F32 weights alone, and about a quarter of what F32 inference
            // holds: the weights plus their packed copy (which has no untied embedding: F32 reads the model's).
            Assert.Equal(f32Packed.MatrixBytes, 2 * bf16.MatrixBytes);
            Assert.InRange(bf16.Bytes, 0.5 * f32Weights, 0.51 * f32Weights);
            Assert.True(bf16.Bytes <= (tied ? 0.26 : 0.28) * (f32Weights + f32Packed.Bytes), $"tied {tied}: {bf16.Bytes} vs {f32Weights} + {f32Packed.Bytes}");
        }
    }

    [Fact]
    public void TrainingAndSavingNeedF32Weights()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = LlamaModel.Load(Fixtures.Model("gqa_tied_bf16"), cpu);
        model.KeepOnlyBf16Weights();
        using var expected = Fixtures.Expected("gqa_tied_bf16");
        var batch = ReferenceModelTests.BatchFrom(expected);
        using var acts = new Activations(model.Layout, batch.Count, forTraining: true);
        var ex = Assert.Throws<RealmException>(() => model.Forward(batch, acts, new float[batch.Count]));
        Assert.Contains("BF16 weights for inference only", ex.Message);
        Assert.Contains("--weights f32", ex.Message);
        Assert.Throws<RealmException>(() => model.Trainable);
        using var dir = new TempDirectory();
        Assert.Throws<RealmException>(() => model.Save(dir.Path));
        var examples = new[] { new PromptCompletion([1, 2], [3, 4]) };
        var sft = new SftConfig { Steps = 1, BatchSize = 1, CheckpointEvery = int.MaxValue };
        Assert.Throws<RealmException>(() => new SftTrainer(model, new ByteTokenizer(), examples, sft, checkpointDir: null).Run(_ => { }));
    }

    [Fact]
    public void AdaptersAreMergedIntoTheBf16WeightsAndCannotChangeAfter()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = LlamaModel.Load(Fixtures.Model("qwen_bias_untied"), cpu);
        using var adapters = LoraAdapters.Load(LoraReferenceTests.AdapterDirectory, model.Config);
        model.Adapters = adapters;
        var prompt = new[] { 3, 14, 15, 9, 26 };
        var f32 = Greedy(model, prompt, 12);
        model.KeepOnlyBf16Weights();
        Assert.Same(adapters, model.InferenceWeights!.Adapters);
        var bf16 = Greedy(model, prompt, 12);
        Assert.Equal(f32.Tokens, bf16.Tokens);
        TestSupport.AssertClose(bf16.Logprobs, f32.Logprobs, 1e-2, "merged adapter, BF16 vs F32");
        Assert.Throws<InvalidOperationException>(() => model.Adapters = null);
        using var loaded = LlamaModel.LoadBf16(Fixtures.Model("qwen_bias_untied"), cpu, adapters);
        AssertIdentical(bf16, Greedy(loaded, prompt, 12));
    }
}
