package armo_builtins

import rego.v1

# securityContext.seLinuxOptions may be given in the pod securityContext (inherited
# by every container) or per container. One response per container that gets
# it from neither place.
# Covered: containers of Pods and of the pod templates of Deployment,
# ReplicaSet, DaemonSet, StatefulSet, Job and CronJob.

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	not field_set(pod.spec)
	some i, container in object.get(pod.spec, "containers", [])
	not field_set(container)

	msga := {
		"alertMessage": sprintf("%v %v: container %v has no securityContext.seLinuxOptions (neither on the container nor on the pod)", [obj.kind, object_name(obj), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [{"path": sprintf("%s.containers[%d].securityContext.seLinuxOptions", [pod.path, i]), "value": "YOUR_VALUE"}],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

field_set(x) if {
	value := x.securityContext.seLinuxOptions
	not value in {null, ""}
}

object_name(obj) := object.get(obj, ["metadata", "name"], "")

pod_spec(obj) := {"spec": object.get(obj, "spec", {}), "path": "spec"} if {
	obj.kind == "Pod"
}

pod_spec(obj) := {"spec": object.get(obj, ["spec", "template", "spec"], {}), "path": "spec.template.spec"} if {
	obj.kind in {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job"}
}

pod_spec(obj) := {"spec": object.get(obj, ["spec", "jobTemplate", "spec", "template", "spec"], {}), "path": "spec.jobTemplate.spec.template.spec"} if {
	obj.kind == "CronJob"
}
