package armo_builtins

import rego.v1

# Fails for each namespace that has no NetworkPolicy or CiliumNetworkPolicy
# of its own while no CiliumClusterwideNetworkPolicy covers every endpoint:
# its pods can reach, and be reached from, any pod in the cluster.
deny contains msga if {
	# Decided once, before the namespaces are visited: whether a clusterwide
	# policy isolates every endpoint, and which namespaces have a policy of
	# their own (policies read from files without a namespace belong to
	# "default").
	not has_clusterwide_isolation(input)
	protected := {object.get(policy.metadata, "namespace", "default") |
		some policy in input
		policy.kind in {"NetworkPolicy", "CiliumNetworkPolicy"}
	}

	some ns in input
	ns.kind == "Namespace"
	not ns.metadata.name in protected

	msga := {
		"alertMessage": sprintf("no policy is defined for namespace %v", [ns.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 9,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [ns]},
	}
}

# A clusterwide Cilium policy protects every namespace when one of its rules
# selects all endpoints (an empty endpointSelector), has ingress or egress
# rules, and does not switch default deny off in both directions.
has_clusterwide_isolation(objs) if {
	some policy in objs
	policy.kind == "CiliumClusterwideNetworkPolicy"
	some r in array.concat([s | s := policy.spec], object.get(policy, "specs", []))
	selects_all_endpoints(r.endpointSelector)
	some direction in ["ingress", "egress"]
	_ = r[direction]
	not default_deny_disabled(r)
}

selects_all_endpoints(sel) if {
	count(object.get(sel, "matchLabels", {})) == 0
	count(object.get(sel, "matchExpressions", [])) == 0
}

default_deny_disabled(r) if {
	r.enableDefaultDeny.ingress == false
	r.enableDefaultDeny.egress == false
}
