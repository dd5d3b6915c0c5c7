package armo_builtins

import rego.v1

# Fails for each Pod, workload or CronJob whose pods no NetworkPolicy,
# CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy selects: nothing
# limits what those pods may connect to or accept.
deny contains msga if {
	# The policies by where they apply, grouped once before the workloads
	# are visited.
	policies := group([[policy_scope(policy), policy] | some policy in input])

	some wl in input
	wl.kind in {"Pod", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob"}
	not selected(policies, wl)

	msga := {
		"alertMessage": sprintf("%v: no networkpolicy configured in labels", [wl.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 5,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
	}
}

selected(policies, wl) if {
	some scope in [["namespace", namespace_of(wl)], ["cluster"]]
	some policy in policies[scope]
	some r in policy_rules(policy)
	rule_selects(policy, r, wl)
}

# Where a policy applies: in its namespace (NetworkPolicy,
# CiliumNetworkPolicy) or in the whole cluster (CiliumClusterwideNetworkPolicy).
policy_scope(policy) := ["namespace", namespace_of(policy)] if {
	policy.kind in {"NetworkPolicy", "CiliumNetworkPolicy"}
}

policy_scope(policy) := ["cluster"] if policy.kind == "CiliumClusterwideNetworkPolicy"

# ---- which pods a policy selects ----

# A NetworkPolicy is a single rule (its spec). A Cilium policy carries one
# rule in spec and/or several in specs.
policy_rules(policy) := [policy.spec] if policy.kind == "NetworkPolicy"

policy_rules(policy) := array.concat([s | s := policy.spec], object.get(policy, "specs", [])) if {
	policy.kind in {"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"}
}

# A NetworkPolicy applies to the pods of its own namespace that its
# podSelector matches (an empty or absent podSelector matches them all).
rule_selects(policy, r, wl) if {
	policy.kind == "NetworkPolicy"
	namespace_of(policy) == namespace_of(wl)
	selector_matches(object.get(r, "podSelector", {}), pod_labels(wl))
}

# A CiliumNetworkPolicy rule applies to the endpoints of the policy's
# namespace that its endpointSelector matches ...
rule_selects(policy, r, wl) if {
	policy.kind == "CiliumNetworkPolicy"
	namespace_of(policy) == namespace_of(wl)
	cilium_selects(r, wl)
}

# ... and a CiliumClusterwideNetworkPolicy rule in every namespace.
rule_selects(policy, r, wl) if {
	policy.kind == "CiliumClusterwideNetworkPolicy"
	cilium_selects(r, wl)
}

# Cilium selector keys may carry a label source prefix ("k8s:app", "any:app"),
# and endpoints also carry their namespace as io.kubernetes.pod.namespace.
# matchLabels pairs become equivalent In requirements so that "app" and
# "k8s:app" in one selector cannot collide. Rules with a nodeSelector instead
# of an endpointSelector govern hosts, not pods.
cilium_selects(r, wl) if {
	sel := r.endpointSelector
	label_reqs := [{"key": cilium_key(k), "operator": "In", "values": [v]} |
		some k, v in object.get(sel, "matchLabels", {})
	]
	expr_reqs := [object.union(req, {"key": cilium_key(req.key)}) |
		some req in object.get(sel, "matchExpressions", [])
	]
	labels := object.union(pod_labels(wl), {"io.kubernetes.pod.namespace": namespace_of(wl)})
	selector_matches({"matchExpressions": array.concat(label_reqs, expr_reqs)}, labels)
}

cilium_key(key) := trim_prefix(key, "k8s:") if startswith(key, "k8s:")

cilium_key(key) := trim_prefix(key, "any:") if startswith(key, "any:")

cilium_key(key) := key if {
	not startswith(key, "k8s:")
	not startswith(key, "any:")
}

namespace_of(obj) := object.get(obj.metadata, "namespace", "default")

# The labels the workload's pods get.
pod_labels(wl) := object.get(wl.metadata, "labels", {}) if wl.kind == "Pod"

pod_labels(wl) := object.get(wl, ["spec", "template", "metadata", "labels"], {}) if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

pod_labels(wl) := object.get(wl, ["spec", "jobTemplate", "spec", "template", "metadata", "labels"], {}) if {
	wl.kind == "CronJob"
}

# Kubernetes LabelSelector semantics: every matchLabels pair and every
# matchExpressions requirement must hold (an empty selector matches all).
selector_matches(selector, labels) if {
	not labels_differ(object.get(selector, "matchLabels", {}), labels)
	not some_requirement_fails(object.get(selector, "matchExpressions", []), labels)
}

labels_differ(wanted, labels) if {
	some key, value in wanted
	not labels[key] == value
}

some_requirement_fails(requirements, labels) if {
	some req in requirements
	not requirement_holds(req, labels)
}

requirement_holds(req, labels) if {
	req.operator == "In"
	labels[req.key] in object.get(req, "values", [])
}

requirement_holds(req, labels) if {
	req.operator == "NotIn"
	not labels[req.key] in object.get(req, "values", [])
}

requirement_holds(req, labels) if {
	req.operator == "Exists"
	has_key(labels, req.key)
}

requirement_holds(req, labels) if {
	req.operator == "DoesNotExist"
	not has_key(labels, req.key)
}

has_key(obj, key) if {
	_ = obj[key]
}

# Groups [key, value] pairs into {key: [value, ...]} in O(n log n): sorting
# the keys with their positions brings the pairs of a key together.
group(pairs) := {order[start][0]: [pairs[e[1]][1] | some e in array.slice(order, start, stops[j])] |
	some j, start in starts
} if {
	order := sort([[p[0], i] | some i, p in pairs])
	starts := [i | some i, _ in order; run_start(order, i)]
	stops := array.concat(array.slice(starts, 1, count(starts)), [count(order)])
}

run_start(_, 0)

run_start(order, i) if {
	i > 0
	order[i - 1][0] != order[i][0]
}
