# Workloads with a container (regular, init or ephemeral) that mounts a
# volume backed by a ConfigMap present in the input, in the workload's namespace.
package armo_builtins

import rego.v1

deny contains msga if {
	# The ConfigMaps of the input by [namespace, name], indexed once before
	# the workloads are visited.
	sources := group([[[namespace_of(obj), obj.metadata.name], obj] | some obj in input; obj.kind == "ConfigMap"])

	some wl in input
	spec_path := pod_spec_path(wl)
	pod_spec := object.get(wl, spec_path, {})
	some volume in pod_spec.volumes
	source := volume.configMap.name

	some obj in sources[[namespace_of(wl), source]]

	some field in ["containers", "initContainers", "ephemeralContainers"]
	some c_idx, container in pod_spec[field]
	some m_idx, mount in container.volumeMounts
	mount.name == volume.name
	path := sprintf("%s.%s[%d].volumeMounts[%d]", [concat(".", spec_path), field, c_idx, m_idx])

	msga := {
		"alertMessage": sprintf("%v: %v has mounted configMap", [wl.kind, wl.metadata.name]),
		"packagename": "armo_builtins",
		"deletePaths": [path],
		"failedPaths": [path],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [wl]},
		"relatedObjects": [{"object": obj}],
	}
}

# Path of the pod template spec of the workload kinds this rule covers.
pod_spec_path(wl) := ["spec"] if wl.kind == "Pod"

pod_spec_path(wl) := ["spec", "template", "spec"] if {
	wl.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

pod_spec_path(wl) := ["spec", "jobTemplate", "spec", "template", "spec"] if wl.kind == "CronJob"

# Objects without a namespace (manifest files) are taken to live in "default".
namespace_of(obj) := object.get(obj, ["metadata", "namespace"], "default")

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
