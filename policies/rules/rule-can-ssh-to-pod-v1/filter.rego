package armo_builtins

import rego.v1

# Enumerates every (Pod or workload, Service selecting its pods) pair: the
# resources the SSH control is evaluated on.
deny contains msga if {
	# The Services by [namespace, selector], indexed once before the
	# workloads are visited.
	services := service_index(input)
	keysets := selector_keysets(services)

	some wl in input
	wl.kind in {"Pod", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob"}
	some svc in selecting_services(services, keysets, wl)
	path := labels_path(wl)

	msga := {
		"alertMessage": message(wl, svc),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {
			"k8sApiObjects": [],
			"externalObjects": {
				"name": wl.metadata.name,
				"namespace": namespace_of(wl),
				"kind": wl.kind,
				"relatedObjects": [svc],
			},
		},
	}
}

message(wl, svc) := sprintf("pod %v/%v is selected by Service %v", [namespace_of(wl), wl.metadata.name, svc.metadata.name]) if {
	wl.kind == "Pod"
}

message(wl, svc) := sprintf("%v: %v is selected by Service %v", [wl.kind, wl.metadata.name, svc.metadata.name]) if {
	wl.kind != "Pod"
}

labels_path(wl) := "metadata.labels" if wl.kind == "Pod"

labels_path(wl) := "spec.template.metadata.labels" if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

labels_path(wl) := "spec.jobTemplate.spec.template.metadata.labels" if wl.kind == "CronJob"

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
# every pair of its (non-empty) selector. The Services are looked up by
# [namespace, selector]: for each key set of the selectors, the workload's
# pod labels restricted to those keys.
service_index(svcs) := group([[[namespace_of(svc), svc.spec.selector], svc] |
	some svc in svcs
	svc.kind == "Service"
	is_object(svc.spec.selector)
	count(svc.spec.selector) > 0
])

selector_keysets(index) := {object.keys(key[1]) | some key, _ in index}

selecting_services(index, keysets, wl) := [svc |
	labels := pod_labels(wl)
	some keys in keysets
	selector := object.filter(labels, keys)
	count(selector) == count(keys)
	some svc in index[[namespace_of(wl), selector]]
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
