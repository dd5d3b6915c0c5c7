package armo_builtins

import rego.v1

# The seccomp profile type that applies to a container is its own
# securityContext.seccompProfile.type if set, else the pod's. It must be
# RuntimeDefault. A wrong explicit value is reported for review at the level
# that sets it; when nothing is set, a fix adds RuntimeDefault on the
# container.
# Covered: containers of Pods and of the pod templates of Deployment,
# ReplicaSet, DaemonSet, StatefulSet, Job and CronJob.

deny contains msga if {
	obj := input[_]
	pod := pod_spec(obj)
	some i, container in object.get(pod.spec, "containers", [])
	container_path := sprintf("%s.containers[%d]", [pod.path, i])
	verdict := seccomp_verdict(container, pod, container_path)

	msga := {
		"alertMessage": sprintf("%v %v: %v", [obj.kind, object_name(obj), verdict.problem]),
		"packagename": "armo_builtins",
		"alertScore": 7,
		"reviewPaths": verdict.review,
		"failedPaths": verdict.review,
		"fixPaths": verdict.fix,
		"alertObject": {"k8sApiObjects": [obj]},
	}
}

# Undefined when the effective type is RuntimeDefault. A wrong pod-level type
# gives the same response for every container that inherits it.
seccomp_verdict(container, pod, container_path) := {"problem": problem, "review": [effective.path], "fix": []} if {
	effective := effective_type(container, pod, container_path)
	effective.type != "RuntimeDefault"
	problem := wrong_type_problem(effective, container)
}

seccomp_verdict(container, pod, container_path) := verdict if {
	not effective_type(container, pod, container_path)
	verdict := {
		"problem": sprintf("container %v has no seccomp profile (RuntimeDefault expected)", [object.get(container, "name", "")]),
		"review": [],
		"fix": [{"path": sprintf("%s.securityContext.seccompProfile.type", [container_path]), "value": "RuntimeDefault"}],
	}
}

wrong_type_problem(effective, container) := sprintf("container %v sets seccomp profile type %v instead of RuntimeDefault", [object.get(container, "name", ""), effective.type]) if {
	effective.level == "container"
}

wrong_type_problem(effective, _) := sprintf("the pod securityContext sets seccomp profile type %v instead of RuntimeDefault", [effective.type]) if {
	effective.level == "pod"
}

# The seccomp profile type in effect and the path of the field that sets it.
effective_type(container, pod, container_path) := {"type": type, "level": "container", "path": sprintf("%s.securityContext.seccompProfile.type", [container_path])} if {
	type := container.securityContext.seccompProfile.type
} else := {"type": pod_type, "level": "pod", "path": sprintf("%s.securityContext.seccompProfile.type", [pod.path])} if {
	pod_type := pod.spec.securityContext.seccompProfile.type
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
