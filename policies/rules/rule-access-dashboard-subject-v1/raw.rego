# Subjects other than the dashboard's own service account that are bound to
# the kubernetes-dashboard Role or ClusterRole.
#
# Input: subject vectors from the subject-role-rolebinding aggregator (the
# subject plus relatedObjects [binding, role]).
package armo_builtins

import rego.v1

deny contains msga if {
	some vector in input
	vector.name != "kubernetes-dashboard"
	some binding_idx, binding in vector.relatedObjects
	endswith(binding.kind, "Binding")
	some role in vector.relatedObjects
	endswith(role.kind, "Role")
	role.metadata.name == "kubernetes-dashboard"

	# point at this subject's own entry in the binding
	some subject_idx, subject in binding.subjects
	same_subject(vector, subject)

	paths := [
		sprintf("relatedObjects[%d].subjects[%d]", [binding_idx, subject_idx]),
		sprintf("relatedObjects[%d].roleRef.name", [binding_idx]),
	]

	msga := {
		"alertMessage": sprintf("Subject: %v-%v is bound to dashboard role/clusterrole", [vector.kind, vector.name]),
		"packagename": "armo_builtins",
		"alertScore": 9,
		"reviewPaths": paths,
		"failedPaths": paths,
		"fixPaths": [],
		"alertObject": {
			"k8sApiObjects": [],
			"externalObjects": vector,
		},
	}
}

# The vector is a copy of one entry of binding.subjects. A missing namespace
# (service account in a RoleBinding) or apiGroup compares as "".
same_subject(vector, subject) if {
	vector.kind == subject.kind
	vector.name == subject.name
	object.get(vector, "namespace", "") == object.get(subject, "namespace", "")
	object.get(vector, "apiGroup", "") == object.get(subject, "apiGroup", "")
}
