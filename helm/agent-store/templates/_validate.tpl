{{/*
What the schema cannot say: two sellers for one brand (their Deployments
would be one), and autoscalers whose fewest replicas exceed their most.
Included by sellers.yaml.
*/}}
{{- define "agent-store.validate" -}}
{{- $seen := dict -}}
{{- range $i, $seller := .Values.sellers -}}
{{- $key := printf "%s/%s" $seller.tenant $seller.brand -}}
{{- if hasKey $seen $key -}}
{{- fail (printf "sellers.%d: %s is listed twice; one seller per brand" $i $key) -}}
{{- end -}}
{{- $_ := set $seen $key true -}}
{{- end -}}
{{- if and .Values.keda.enabled (gt (int .Values.keda.minReplicas) (int .Values.keda.maxReplicas)) -}}
{{- fail "keda.minReplicas is above keda.maxReplicas" -}}
{{- end -}}
{{- range $name, $hpa := .Values.autoscaling -}}
{{- if and $hpa.enabled (gt (int $hpa.minReplicas) (int $hpa.maxReplicas)) -}}
{{- fail (printf "autoscaling.%s.minReplicas is above autoscaling.%s.maxReplicas" $name $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
