package armo_builtins

import rego.v1

# A NetworkPolicy whose podSelector selects no pod template in its namespace
# protects nothing: usually a label typo, or a policy left behind by a
# removed application that a future workload could inherit by accident. An
# empty podSelector selects every pod and is never dangling.
deny contains msga if {
	# The distinct pod label sets of the workloads, by namespace, collected
	# once before the policies are visited.
	label_sets := {[namespace_of(wl), labels] | some wl in input; labels := pod_labels(wl)}
	labels_by_namespace := group([pair | some pair in label_sets])

	some policy in input
	policy.kind == "NetworkPolicy"
	selector := object.get(policy.spec, "podSelector", {})
	is_selective(selector)
	ns := namespace_of(policy)
	not selects_some_workload(labels_by_namespace, selector, ns)

	msga := {
		"alertMessage": sprintf("NetworkPolicy '%v' podSelector matches no workloads in namespace '%v'", [policy.metadata.name, ns]),
		"packagename": "armo_builtins",
		"alertScore": 4,
		"failedPaths": ["spec.podSelector"],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [policy]},
	}
}

is_selective(selector) if count(object.get(selector, "matchLabels", {})) > 0

is_selective(selector) if count(object.get(selector, "matchExpressions", [])) > 0

selects_some_workload(labels_by_namespace, selector, ns) if {
	some labels in labels_by_namespace[ns]
	selector_matches(selector, labels)
}

namespace_of(obj) := object.get(obj.metadata, "namespace", "default")

# The labels the workload's pods get.
pod_labels(wl) := object.get(wl.metadata, "labels", {}) if wl.kind == "Pod"

pod_labels(wl) := object.get(wl, ["spec", "template", "metadata", "labels"], {}) if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "ReplicationController"}
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
