// The prompt type of the method's RL and rollouts: what the generic GRPO core carries around without
// looking into it, and what the reward plug-ins read.
using Realm.Data;
using Realm.Domains;

namespace Realm.Method;

/// <summary>A problem, the domain that verifies it, and the MRPV prompt it is asked with (routes shown or not).</summary>
public sealed record ProblemPrompt(IDomain Domain, Problem Problem, MrpvPrompt Prompt);
