# RoleBindings and ClusterRoleBindings that grant their role to anonymous
# requests: the user system:anonymous or the group system:unauthenticated.
package armo_builtins

import rego.v1

deny contains msga if {
	some binding in input
	endswith(binding.kind, "Binding")
	some idx, subject in binding.subjects
	subject.name in {"system:anonymous", "system:unauthenticated"}
	path := sprintf("subjects[%d]", [idx])

	msga := {
		"alertMessage": sprintf("the following RoleBinding: %v gives permissions to anonymous users", [binding.metadata.name]),
		"packagename": "armo_builtins",
		"alertScore": 9,
		"deletePaths": [path],
		"failedPaths": [path],
		"alertObject": {"k8sApiObjects": [binding]},
	}
}
