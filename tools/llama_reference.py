"""From-scratch PyTorch reference for the Llama family decoder (Llama / Qwen2 style),
written to match Hugging Face transformers' LlamaForCausalLM / Qwen2ForCausalLM
semantics exactly. No dependency on `transformers`.

Parameters are kept in a plain dict keyed by the Hugging Face names:
    model.embed_tokens.weight                          [V, D]
    model.layers.{i}.input_layernorm.weight            [D]
    model.layers.{i}.self_attn.q_proj.weight           [H*hd, D]     (+ .bias [H*hd] if attention_bias)
    model.layers.{i}.self_attn.k_proj.weight           [Hkv*hd, D]   (+ .bias)
    model.layers.{i}.self_attn.v_proj.weight           [Hkv*hd, D]   (+ .bias)
    model.layers.{i}.self_attn.o_proj.weight           [D, H*hd]     (never a bias)
    model.layers.{i}.post_attention_layernorm.weight   [D]
    model.layers.{i}.mlp.gate_proj.weight              [F, D]
    model.layers.{i}.mlp.up_proj.weight                [F, D]
    model.layers.{i}.mlp.down_proj.weight              [D, F]
    model.norm.weight                                  [D]
    lm_head.weight                                     [V, D]        (absent when tied)

Two entry points share the same per-layer code:
  * forward_packed(params, cfg, input_ids[N], seq_lens[S]) -> logits [N, V]
        flat token array made of S sequences; positions restart at 0 for each
        sequence; attention never crosses sequence boundaries.
  * forward_batched(params, cfg, ids[B, T], cache=None) -> logits [B, T, V]
        standard equal-length batch, optionally with a KV cache (used for the
        benchmark's prefill + one-token-per-step decoding; see generate()).
Everything runs in whatever dtype the parameters are in (float64 for fixtures,
float32 for benchmarks).
"""

import json
import math
from collections import OrderedDict

import torch
import torch.nn.functional as F


# --------------------------------------------------------------------------- config


class LlamaConfig:
    def __init__(self, d):
        self.raw = dict(d)
        self.hidden_size = int(d["hidden_size"])
        self.intermediate_size = int(d["intermediate_size"])
        self.num_hidden_layers = int(d["num_hidden_layers"])
        self.num_attention_heads = int(d["num_attention_heads"])
        self.num_key_value_heads = int(d.get("num_key_value_heads") or self.num_attention_heads)
        self.vocab_size = int(d["vocab_size"])
        self.rms_norm_eps = float(d.get("rms_norm_eps", 1e-6))
        self.rope_theta = float(d.get("rope_theta", 10000.0))
        self.max_position_embeddings = int(d.get("max_position_embeddings", 2048))
        self.tie_word_embeddings = bool(d.get("tie_word_embeddings", False))
        # Qwen2 always has q/k/v biases; Llama only when attention_bias is set.
        default_bias = d.get("model_type") == "qwen2"
        self.attention_bias = bool(d.get("attention_bias", default_bias))
        hd = d.get("head_dim")
        self.head_dim = int(hd) if hd is not None else self.hidden_size // self.num_attention_heads
        self.hidden_act = d.get("hidden_act", "silu")
        if self.hidden_act != "silu":
            raise ValueError(f"unsupported hidden_act {self.hidden_act}")
        if self.num_attention_heads % self.num_key_value_heads != 0:
            raise ValueError("num_attention_heads must be a multiple of num_key_value_heads")

    @classmethod
    def from_json(cls, path):
        with open(path) as f:
            return cls(json.load(f))


def param_shapes(cfg):
    """OrderedDict of HF parameter name -> shape, in model order."""
    D, F_, V = cfg.hidden_size, cfg.intermediate_size, cfg.vocab_size
    H, Hkv, hd = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
    s = OrderedDict()
    s["model.embed_tokens.weight"] = (V, D)
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        s[p + "input_layernorm.weight"] = (D,)
        s[p + "self_attn.q_proj.weight"] = (H * hd, D)
        if cfg.attention_bias:
            s[p + "self_attn.q_proj.bias"] = (H * hd,)
        s[p + "self_attn.k_proj.weight"] = (Hkv * hd, D)
        if cfg.attention_bias:
            s[p + "self_attn.k_proj.bias"] = (Hkv * hd,)
        s[p + "self_attn.v_proj.weight"] = (Hkv * hd, D)
        if cfg.attention_bias:
            s[p + "self_attn.v_proj.bias"] = (Hkv * hd,)
        s[p + "self_attn.o_proj.weight"] = (D, H * hd)
        s[p + "post_attention_layernorm.weight"] = (D,)
        s[p + "mlp.gate_proj.weight"] = (F_, D)
        s[p + "mlp.up_proj.weight"] = (F_, D)
        s[p + "mlp.down_proj.weight"] = (D, F_)
    s["model.norm.weight"] = (D,)
    if not cfg.tie_word_embeddings:
        s["lm_head.weight"] = (V, D)
    return s


def init_params(cfg, generator, dtype=torch.float32, embed_std=1.0):
    """Random init, O(1) activations: linear ~ N(0, 1/fan_in), embedding ~ N(0, embed_std^2),
    norm weights 1 + 0.1 N(0,1), biases 0.1 N(0,1). Draw order = param_shapes order."""
    params = OrderedDict()
    for name, shape in param_shapes(cfg).items():
        z = torch.randn(shape, generator=generator, dtype=torch.float32)
        if name == "model.embed_tokens.weight":
            t = z * embed_std
        elif name.endswith("layernorm.weight") or name == "model.norm.weight":
            t = 1.0 + 0.1 * z
        elif name.endswith(".bias"):
            t = 0.1 * z
        else:  # linear weight [out, in]
            t = z * (shape[1] ** -0.5)
        params[name] = t.to(dtype)
    return params


def num_params(params):
    return sum(int(t.numel()) for t in params.values())


def lm_head_weight(params, cfg):
    return params["model.embed_tokens.weight"] if cfg.tie_word_embeddings else params["lm_head.weight"]


# --------------------------------------------------------------------------- building blocks


def rms_norm(x, w, eps):
    # HF LlamaRMSNorm: w * (x * rsqrt(mean(x^2) + eps))
    var = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rope_cos_sin(positions, head_dim, theta, dtype):
    """positions: int tensor [N] -> cos, sin [N, head_dim] (HF: emb = cat((freqs, freqs)))."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    freqs = positions.to(torch.float64)[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(dtype), emb.sin().to(dtype)


def apply_rope(x, cos, sin):
    """x [..., N, heads, hd]; cos/sin [N, hd] (broadcast over heads)."""
    c = cos.unsqueeze(-2)
    s = sin.unsqueeze(-2)
    return x * c + rotate_half(x) * s


def repeat_kv(x, n_rep, head_dim_axis=-2):
    """[..., Hkv, hd] -> [..., Hkv*n_rep, hd]; KV head j serves query heads j*n_rep .. j*n_rep+n_rep-1."""
    if n_rep == 1:
        return x
    return torch.repeat_interleave(x, n_rep, dim=head_dim_axis)


def silu(x):
    return x * torch.sigmoid(x)


def causal_attention(q, k, v, scale, offset=0):
    """One sequence. q [H, Tq, hd], k/v [H, Tk, hd]; query i sits at absolute position offset+i
    and sees keys 0..offset+i. Returns [H, Tq, hd]."""
    Tq, Tk = q.shape[-2], k.shape[-2]
    scores = torch.matmul(q, k.transpose(-1, -2)) * scale
    if Tq > 1 or offset + Tq != Tk:
        qi = torch.arange(Tq, device=q.device)[:, None] + offset
        kj = torch.arange(Tk, device=q.device)[None, :]
        scores = scores.masked_fill(kj > qi, float("-inf"))
    p = torch.softmax(scores, dim=-1)
    return torch.matmul(p, v)


def grouped_causal_attention(q, k, v, scale, offset=0):
    """Batched GQA without copying K/V: q [B, H, T, hd], k/v [B, Hkv, S, hd] with S = offset + T.
    The n_rep query heads that share a KV head are folded into the row dimension, so each
    group is one [n_rep*T, hd] x [hd, S] matmul. Same result as repeat_kv + causal_attention."""
    B, H, T, hd = q.shape
    Hkv, S = k.shape[1], k.shape[2]
    n_rep = H // Hkv
    qg = q.reshape(B, Hkv, n_rep * T, hd)
    scores = torch.matmul(qg, k.transpose(-1, -2)) * scale  # [B, Hkv, n_rep*T, S]
    if T > 1 or offset + T != S:
        qi = torch.arange(T, device=q.device)[:, None] + offset
        kj = torch.arange(S, device=q.device)[None, :]
        mask = (kj > qi).repeat(n_rep, 1)  # [n_rep*T, S]
        scores = scores.masked_fill(mask, float("-inf"))
    p = torch.softmax(scores, dim=-1)
    return torch.matmul(p, v).reshape(B, H, T, hd)


def packed_attention(q, k, v, seq_lens, scale=None):
    """q [N, H, hd], k/v [N, Hkv, hd]; causal within each packed sequence. Returns [N, H, hd]."""
    H, Hkv, hd = q.shape[1], k.shape[1], q.shape[2]
    if scale is None:
        scale = 1.0 / math.sqrt(hd)
    outs = []
    start = 0
    for L in [int(x) for x in seq_lens]:
        qs = q[start : start + L].transpose(0, 1)  # [H, L, hd]
        ks = repeat_kv(k[start : start + L], H // Hkv).transpose(0, 1)
        vs = repeat_kv(v[start : start + L], H // Hkv).transpose(0, 1)
        outs.append(causal_attention(qs, ks, vs, scale).transpose(0, 1))
        start += L
    assert start == q.shape[0], "sum(seq_lens) must equal the number of tokens"
    return torch.cat(outs, dim=0)


def linear(x, params, name):
    y = torch.matmul(x, params[name + ".weight"].t())
    b = params.get(name + ".bias")
    return y + b if b is not None else y


# --------------------------------------------------------------------------- decoder


def decoder_layer(params, cfg, i, x, cos, sin, attend):
    """x [..., T, D]; cos/sin [T, hd]; attend(layer, q [..., T, H, hd], k, v [..., T, Hkv, hd])
    -> [..., T, H, hd]."""
    p = f"model.layers.{i}."
    H, Hkv, hd = cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
    lead = x.shape[:-1]

    h = rms_norm(x, params[p + "input_layernorm.weight"], cfg.rms_norm_eps)
    q = linear(h, params, p + "self_attn.q_proj").reshape(*lead, H, hd)
    k = linear(h, params, p + "self_attn.k_proj").reshape(*lead, Hkv, hd)
    v = linear(h, params, p + "self_attn.v_proj").reshape(*lead, Hkv, hd)
    q = apply_rope(q, cos, sin)
    k = apply_rope(k, cos, sin)
    a = attend(i, q, k, v).reshape(*lead, H * hd)
    x = x + linear(a, params, p + "self_attn.o_proj")

    h = rms_norm(x, params[p + "post_attention_layernorm.weight"], cfg.rms_norm_eps)
    g = linear(h, params, p + "mlp.gate_proj")
    u = linear(h, params, p + "mlp.up_proj")
    x = x + linear(silu(g) * u, params, p + "mlp.down_proj")
    return x


def final_logits(params, cfg, x):
    x = rms_norm(x, params["model.norm.weight"], cfg.rms_norm_eps)
    return torch.matmul(x, lm_head_weight(params, cfg).t())


def packed_positions(seq_lens):
    return torch.cat([torch.arange(int(L), dtype=torch.int64) for L in seq_lens])


def forward_packed(params, cfg, input_ids, seq_lens):
    """input_ids [N] (int), seq_lens [S] -> logits [N, V]."""
    input_ids = torch.as_tensor(input_ids).long()
    seq_lens = [int(L) for L in torch.as_tensor(seq_lens).tolist()]
    emb = params["model.embed_tokens.weight"]
    x = emb[input_ids]
    cos, sin = rope_cos_sin(packed_positions(seq_lens), cfg.head_dim, cfg.rope_theta, emb.dtype)

    def attend(_i, q, k, v):
        return packed_attention(q, k, v, seq_lens)

    for i in range(cfg.num_hidden_layers):
        x = decoder_layer(params, cfg, i, x, cos, sin, attend)
    return final_logits(params, cfg, x)


def logprobs_entropy(logits, targets):
    """logits [N, V], targets [N] -> (log-softmax at target [N], softmax entropy [N])."""
    lsm = torch.log_softmax(logits, dim=-1)
    lp = lsm.gather(-1, torch.as_tensor(targets).long()[:, None])[:, 0]
    ent = -(lsm.exp() * lsm).sum(-1)
    return lp, ent


# --------------------------------------------------------------------------- batched + KV cache


class KVCache:
    def __init__(self, cfg, batch, max_len, dtype=torch.float32):
        shape = (batch, cfg.num_key_value_heads, max_len, cfg.head_dim)
        self.k = [torch.zeros(shape, dtype=dtype) for _ in range(cfg.num_hidden_layers)]
        self.v = [torch.zeros(shape, dtype=dtype) for _ in range(cfg.num_hidden_layers)]
        self.length = 0  # number of positions already filled
        self.max_len = max_len


def forward_batched(params, cfg, ids, cache=None):
    """ids [B, T]. Without a cache: plain causal forward over the batch.
    With a cache: the T new tokens sit at positions cache.length .. cache.length+T-1, their
    K/V are appended, and the cache length advances. Returns logits [B, T, V]."""
    ids = torch.as_tensor(ids).long()
    B, T = ids.shape
    hd = cfg.head_dim
    scale = 1.0 / math.sqrt(hd)
    start = cache.length if cache is not None else 0
    if cache is not None and start + T > cache.max_len:
        raise ValueError("KV cache overflow")
    emb = params["model.embed_tokens.weight"]
    x = emb[ids]  # [B, T, D]
    cos, sin = rope_cos_sin(torch.arange(start, start + T), hd, cfg.rope_theta, emb.dtype)

    def attend(i, q, k, v):
        q = q.transpose(1, 2)  # [B, H, T, hd]
        k = k.transpose(1, 2)  # [B, Hkv, T, hd]
        v = v.transpose(1, 2)
        if cache is not None:
            cache.k[i][:, :, start : start + T] = k
            cache.v[i][:, :, start : start + T] = v
            k = cache.k[i][:, :, : start + T]
            v = cache.v[i][:, :, : start + T]
        o = grouped_causal_attention(q, k, v, scale, offset=start)  # [B, H, T, hd]
        return o.transpose(1, 2)  # [B, T, H, hd]

    for i in range(cfg.num_hidden_layers):
        x = decoder_layer(params, cfg, i, x, cos, sin, attend)
    if cache is not None:
        cache.length = start + T
    return final_logits(params, cfg, x)


@torch.no_grad()
def generate(params, cfg, prompt_ids, max_new_tokens, greedy=False, temperature=1.0, generator=None):
    """Batched KV-cache generation. prompt_ids [B, P] -> (new ids [B, n], log-probs [B, n]).
    One prefill over the prompt, then one token per step per sequence. No stop tokens."""
    prompt_ids = torch.as_tensor(prompt_ids).long()
    B, P = prompt_ids.shape
    dtype = params["model.embed_tokens.weight"].dtype
    cache = KVCache(cfg, B, P + max_new_tokens, dtype=dtype)
    logits = forward_batched(params, cfg, prompt_ids, cache)[:, -1]
    out_ids, out_lp = [], []
    for step in range(max_new_tokens):
        lsm = torch.log_softmax(logits, dim=-1)
        if greedy:
            nxt = lsm.argmax(-1)
        else:
            probs = torch.softmax(logits / temperature, dim=-1)
            nxt = torch.multinomial(probs, 1, generator=generator)[:, 0]
        out_ids.append(nxt)
        out_lp.append(lsm.gather(-1, nxt[:, None])[:, 0])
        if step + 1 < max_new_tokens:
            logits = forward_batched(params, cfg, nxt[:, None], cache)[:, -1]
    return torch.stack(out_ids, 1), torch.stack(out_lp, 1)


@torch.no_grad()
def greedy_generate_recompute(params, cfg, prompt_ids, max_new_tokens):
    """Reference greedy decoding for a single sequence that recomputes the full packed forward
    every step (no cache). Returns (ids [n], logprobs [n], top1-top2 logit margins [n])."""
    ids = [int(t) for t in torch.as_tensor(prompt_ids).tolist()]
    new, lps, margins = [], [], []
    for _ in range(max_new_tokens):
        logits = forward_packed(params, cfg, torch.tensor(ids), [len(ids)])[-1]
        lsm = torch.log_softmax(logits, -1)
        top2 = torch.topk(logits, 2).values
        t = int(torch.argmax(logits))
        new.append(t)
        lps.append(float(lsm[t]))
        margins.append(float(top2[0] - top2[1]))
        ids.append(t)
    return new, lps, margins
