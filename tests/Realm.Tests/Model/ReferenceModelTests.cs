using Realm.Engine.Compute;
using Realm.Engine.Model;

namespace Realm.Tests.Model;

/// <summary>
/// Whole models against PyTorch (tests/fixtures/models, written by tools/make_fixtures.py): logits to
/// relative error 1e-4 and every parameter gradient to 1e-3, on every SIMD path.
/// </summary>
public class ReferenceModelTests
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (var level in TestSupport.SimdLevels())
            foreach (var name in new[] { "gqa_tied", "qwen_bias_untied", "mha_headdim" })
                yield return new object[] { level[0], name };
    }

    public static IEnumerable<object[]> ReducedPrecisionCases()
    {
        foreach (var level in TestSupport.SimdLevels())
            foreach (var name in new[] { "gqa_tied_bf16", "gqa_tied_f16" })
                yield return new object[] { level[0], name };
    }

    internal static TokenBatch BatchFrom(Realm.Engine.IO.SafeTensorsFile expected) =>
        new(expected.ReadInt32("input_ids"), expected.ReadInt32("target_ids"), expected.ReadInt32("seq_lens"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogitsAndGradientsMatchPyTorch(SimdLevel simd, string name)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var model = LlamaModel.Load(Fixtures.Model(name), cpu);
        using var expected = Fixtures.Expected(name);
        var batch = BatchFrom(expected);
        using var acts = new Activations(model.Layout, batch.Count, forTraining: true);
        var lp = new float[batch.Count];
        var ent = new float[batch.Count];
        var logits = new float[batch.Count * model.Config.VocabSize];
        model.Forward(batch, acts, lp, ent, logits);
        TestSupport.AssertClose(logits, expected.ReadFloat("logits"), 1e-4, $"{name} logits");
        TestSupport.AssertClose(lp, expected.ReadFloat("logprobs"), 1e-4, $"{name} logprobs");
        TestSupport.AssertClose(ent, expected.ReadFloat("entropy"), 1e-4, $"{name} entropy");

        using var grads = new NativeBuffer(model.Layout.Total);
        model.Backward(batch, acts, expected.ReadFloat("coef"), grads);
        foreach (var p in model.Layout.Parameters)
        {
            var reference = expected.ReadFloat("grad." + p.Name);
            TestSupport.AssertClose(grads.Slice(p.Offset, (int)p.Length), reference, 1e-3, $"{name} grad {p.Name}");
        }
        if (model.Config.TieWordEmbeddings) Assert.Null(model.Layout.Find("lm_head.weight"));
    }

    [Theory]
    [MemberData(nameof(ReducedPrecisionCases))]
    public void ReducedPrecisionCheckpointsLoadExactly(SimdLevel simd, string name)
    {
        using var cpu = TestSupport.NewCpu(simd);
        using var model = LlamaModel.Load(Fixtures.Model(name), cpu);
        using var expected = Fixtures.Expected(name);
        var batch = BatchFrom(expected);
        using var acts = new Activations(model.Layout, batch.Count, forTraining: false);
        var lp = new float[batch.Count];
        var logits = new float[batch.Count * model.Config.VocabSize];
        model.Forward(batch, acts, lp, default, logits);
        TestSupport.AssertClose(logits, expected.ReadFloat("logits"), 1e-4, $"{name} logits");
    }
}
