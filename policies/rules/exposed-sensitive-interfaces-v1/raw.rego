package armo_builtins

import rego.v1

# Fails for each workload whose name contains one of the configured sensitive
# interfaces (dashboards, CI servers, notebook and model servers, ...) and
# whose pods a NodePort Service, or a LoadBalancer Service that has been given
# an external address, exposes outside the cluster.
deny contains msga if {
	# The Services exposed outside the cluster, by [namespace, selector],
	# indexed once before the workloads are visited.
	services := group([[[namespace_of(svc), svc.spec.selector], svc] |
		some svc in input
		exposed_outside(svc)
		selects_pods(svc)
	])
	keysets := {object.keys(key[1]) | some key, _ in services}

	some wl in input
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "Pod", "CronJob"}
	is_sensitive_interface(wl.metadata.name)
	some svc in selecting(services, keysets, wl)

	msga := {
		"alertMessage": sprintf("service: %v is exposed", [svc.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"reviewPaths": ["spec.selector.matchLabels", "spec.selector"],
		"failedPaths": ["spec.selector.matchLabels", "spec.selector"],
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

is_sensitive_interface(name) if {
	some interface in data.postureControlInputs.sensitiveInterfaces
	contains(name, interface)
}

# A NodePort is open on every node.
exposed_outside(svc) if svc.spec.type == "NodePort"

# A LoadBalancer counts once the cloud has given it an address (an IP, or a
# hostname as on AWS).
exposed_outside(svc) if {
	svc.spec.type == "LoadBalancer"
	some ingress in svc.status.loadBalancer.ingress
	some field in ["ip", "hostname"]
	ingress[field] != ""
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
