using Realm.Engine.Compute;
using Realm.Engine.Generation;
using Realm.Engine.IO;
using Realm.Engine.Lora;
using Realm.Engine.Model;
using Realm.Tests.Model;

namespace Realm.Tests.Lora;

/// <summary>
/// A PEFT-layout adapter on the qwen_bias_untied fixture against PyTorch (tests/fixtures/lora, written by
/// tools/make_fixtures.py): logits to relative error 1e-4 and every adapter gradient to 1e-3, on every SIMD path.
/// </summary>
public class LoraReferenceTests
{
    private const string Base = "qwen_bias_untied";
    public static string AdapterDirectory => Path.Combine(Fixtures.Root, "lora", Base);

    [Theory]
    [MemberData(nameof(TestSupport.SimdLevels), MemberType = typeof(TestSupport))]
    public void LogitsAndAdapterGradientsMatchPyTorch(SimdLevel simd)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var model = LlamaModel.Load(Fixtures.Model(Base), cpu);
        using var adapters = LoraAdapters.Load(AdapterDirectory, model.Config);
        Assert.Equal([LoraTarget.QProj, LoraTarget.VProj, LoraTarget.OProj, LoraTarget.UpProj, LoraTarget.DownProj], adapters.Config.Targets);
        using var expected = Expected();
        var batch = ReferenceModelTests.BatchFrom(expected);
        var baseLogits = LoraTestSupport.Logits(model, batch, training: false);
        TestSupport.AssertClose(baseLogits, expected.ReadFloat("base_logits"), 1e-4, "logits without the adapter");
        Assert.True(TestSupport.RelativeError(baseLogits, expected.ReadFloat("logits")) > 0.05, "the reference adapter should change the logits clearly");

        model.Adapters = adapters;
        using var acts = new Activations(model.Layout, batch.Count, forTraining: true);
        var lp = new float[batch.Count];
        var logits = new float[batch.Count * model.Config.VocabSize];
        model.Forward(batch, acts, lp, default, logits);
        TestSupport.AssertClose(logits, expected.ReadFloat("logits"), 1e-4, "logits with the adapter");
        TestSupport.AssertClose(lp, expected.ReadFloat("logprobs"), 1e-4, "logprobs with the adapter");

        using var grads = new NativeBuffer(adapters.Layout.Total);
        model.Backward(batch, acts, expected.ReadFloat("coef"), grads);
        foreach (var p in adapters.Layout.Parameters)
            TestSupport.AssertClose(grads.Slice(p.Offset, (int)p.Length), expected.ReadFloat("grad." + p.Name), 1e-3, $"grad {p.Name}");
        Assert.Equal(expected.Tensors.Keys.Count(k => k.StartsWith("grad.")), adapters.Layout.Parameters.Count);
    }

    [Fact]
    public void GreedyDecodingWithTheAdapterMatchesPyTorch()
    {
        using var cpu = TestSupport.NewCpu(SimdSupport.Best);
        using var model = LlamaModel.Load(Fixtures.Model(Base), cpu);
        using var adapters = LoraAdapters.Load(AdapterDirectory, model.Config);
        model.Adapters = adapters;
        using var expected = Expected();
        var want = expected.ReadInt32("gen_ids");
        using var generator = new Generator(model, 1, 32);
        var completion = generator.Generate([expected.ReadInt32("gen_prompt")], new SamplingOptions { MaxNewTokens = want.Length, Greedy = true })[0];
        Assert.Equal(want, completion.Tokens);
        TestSupport.AssertClose(completion.Logprobs, expected.ReadFloat("gen_logprobs"), 1e-4, "greedy logprobs");
    }

    private static SafeTensorsFile Expected() => SafeTensorsFile.Open(Path.Combine(AdapterDirectory, "expected.safetensors"));
}
