package armo_builtins

import rego.v1

# Windows pods only (spec.os.name or the kubernetes.io/os node selector says
# windows): securityContext.windowsOptions.runAsUserName must be set at pod
# level or on each container. One response per container that has neither.
# Covered: containers of Pods and of the pod templates of Deployment,
# ReplicaSet, DaemonSet, StatefulSet, Job and CronJob.

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	targets_windows(pod.spec)
	not option_set(pod.spec)
	some i, container in object.get(pod.spec, "containers", [])
	not option_set(container)

	msga := {
		"alertMessage": sprintf("%v %v: Windows container %v has no securityContext.windowsOptions.runAsUserName (neither on the container nor on the pod)", [obj.kind, object_name(obj), object.get(container, "name", "")]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"failedPaths": [],
		"fixPaths": [{"path": sprintf("%s.containers[%d].securityContext.windowsOptions.runAsUserName", [pod.path, i]), "value": "YOUR_VALUE"}],
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

# option_set(x): x.securityContext.windowsOptions.runAsUserName is a non-empty string.
option_set(x) if {
	value := x.securityContext.windowsOptions.runAsUserName
	is_string(value)
	value != ""
}

targets_windows(spec) if {
	spec.os.name == "windows"
}

targets_windows(spec) if {
	spec.nodeSelector["kubernetes.io/os"] == "windows"
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
