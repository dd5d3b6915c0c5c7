package armo_builtins

import rego.v1

# Enumerates the workloads whose name contains a configured sensitive
# interface, each with the Services (of any type) that select its pods.
deny contains msga if {
	# The positions of the Services in the input by [namespace, selector],
	# indexed once before the workloads are visited.
	positions := group([[[namespace_of(svc), svc.spec.selector], i] |
		some i, svc in input
		selects_pods(svc)
	])
	keysets := {object.keys(key[1]) | some key, _ in positions}

	some wl in input
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "Pod", "CronJob"}
	is_sensitive_interface(wl.metadata.name)

	msga := {
		"alertMessage": sprintf("wl: %v is in the cluster", [wl.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [],
		"alertObject": {
			"k8sApiObjects": [],
			"externalObjects": {
				"name": wl.metadata.name,
				"namespace": namespace_of(wl),
				"kind": wl.kind,
				"relatedObjects": [input[i] | some i in sort(selecting(positions, keysets, wl))],
			},
		},
	}
}

is_sensitive_interface(name) if {
	some interface in data.postureControlInputs.sensitiveInterfaces
	contains(name, interface)
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

# A Service sends traffic to the pods of its namespace whose labels include
# every pair of its (non-empty) selector.
selects_pods(svc) if {
	svc.kind == "Service"
	is_object(svc.spec.selector)
	count(svc.spec.selector) > 0
}

# The entries of an index by [namespace, selector] whose selector the pod
# labels of the workload satisfy: for each key set of the selectors, the
# labels restricted to those keys.
selecting(index, keysets, wl) := [entry |
	labels := pod_labels(wl)
	some keys in keysets
	selector := object.filter(labels, keys)
	count(selector) == count(keys)
	some entry in index[[namespace_of(wl), selector]]
]

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
