package armo_builtins

import rego.v1

# Fails for each Pod or workload whose pods a Service exposes on an SSH port:
# an SSH daemon in a container is a standing remote shell that bypasses the
# API server's authentication, authorization and audit.
deny contains msga if {
	# The Services that may expose an SSH port, by [namespace, selector],
	# indexed once before the workloads are visited.
	services := service_index([svc | some svc in input; may_serve_ssh(svc)])
	keysets := selector_keysets(services)

	some wl in input
	wl.kind in {"Pod", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "CronJob"}
	some svc in selecting_services(services, keysets, wl)
	ssh_port(svc, wl)
	path := labels_path(wl)

	msga := {
		"alertMessage": message(wl, svc),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"reviewPaths": [path],
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

message(wl, svc) := sprintf("pod %v/%v exposed by SSH service: %v", [namespace_of(wl), wl.metadata.name, svc.metadata.name]) if {
	wl.kind == "Pod"
}

message(wl, svc) := sprintf("%v: %v is exposed by SSH service: %v", [wl.kind, wl.metadata.name, svc.metadata.name]) if {
	wl.kind != "Pod"
}

labels_path(wl) := "metadata.labels" if wl.kind == "Pod"

labels_path(wl) := "spec.template.metadata.labels" if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

labels_path(wl) := "spec.jobTemplate.spec.template.metadata.labels" if wl.kind == "CronJob"

# Port 22 is the SSH default and 2222 its usual unprivileged stand-in. A
# named targetPort is resolved against the container ports of the pods.
ssh_port(svc, _) if {
	some p in svc.spec.ports
	some field in ["port", "targetPort"]
	p[field] in {22, 2222}
}

ssh_port(svc, wl) if {
	some p in svc.spec.ports
	is_string(p.targetPort)
	some c in pod_spec(wl).containers
	some cp in c.ports
	cp.name == p.targetPort
	cp.containerPort in {22, 2222}
}

# The Service has a port that ssh_port accepts for some pod: a fixed SSH
# port, or a named targetPort.
may_serve_ssh(svc) if {
	some p in svc.spec.ports
	some field in ["port", "targetPort"]
	p[field] in {22, 2222}
}

may_serve_ssh(svc) if {
	some p in svc.spec.ports
	is_string(p.targetPort)
}

pod_spec(wl) := wl.spec if wl.kind == "Pod"

pod_spec(wl) := wl.spec.template.spec if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

pod_spec(wl) := wl.spec.jobTemplate.spec.template.spec if wl.kind == "CronJob"

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
