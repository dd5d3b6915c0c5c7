package armo_builtins

import rego.v1

# An HPA whose scaleTargetRef names a workload that does not exist scales
# nothing and reports errors. Only built-in scalable kinds are resolved; a
# custom resource with a scale subresource is not among the scanned objects.
deny contains msga if {
	# The [kind, namespace, name] of every object, collected once.
	objects := {[obj.kind, namespace_of(obj), obj.metadata.name] | some obj in input}

	some hpa in input
	hpa.kind == "HorizontalPodAutoscaler"
	target := object.get(hpa.spec, "scaleTargetRef", {})
	kind := object.get(target, "kind", "")
	kind in {"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"}
	name := object.get(target, "name", "")
	ns := namespace_of(hpa)
	not [kind, ns, name] in objects

	msga := {
		"alertMessage": sprintf("HorizontalPodAutoscaler '%v' scaleTargetRef points to %v '%v' which does not exist in namespace '%v'", [hpa.metadata.name, kind, name, ns]),
		"packagename": "armo_builtins",
		"alertScore": 4,
		"failedPaths": ["spec.scaleTargetRef.name"],
		"fixPaths": [],
		"alertObject": {"k8sApiObjects": [hpa]},
	}
}

namespace_of(obj) := object.get(obj.metadata, "namespace", "default")
