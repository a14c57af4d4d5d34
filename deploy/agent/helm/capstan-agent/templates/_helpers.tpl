{{/* The metadata every object carries: name, labels and the cluster annotation; pass (list . "name" "namespace"). */}}
{{- define "capstan-agent.metadata" -}}
{{- $root := index . 0 -}}
name: {{ index . 1 }}
{{- if gt (len .) 2 }}
namespace: {{ index . 2 }}
{{- end }}
{{ include "capstan-agent.labelsAndAnnotations" $root }}
{{- end -}}

{{- define "capstan-agent.labelsAndAnnotations" -}}
labels:
  app.kubernetes.io/name: capstan-agent
  app.kubernetes.io/part-of: capstan
annotations:
  capstan.dev/cluster: {{ required "cluster is required: the cluster's name" .Values.cluster | quote }}
{{- end -}}

{{/* The hub's gRPC port, from hubAddress, which must be host:port. */}}
{{- define "capstan-agent.hubPort" -}}
{{- if not (regexMatch "^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):[0-9]{1,5}$" .Values.hubAddress) -}}
{{- fail (printf "hubAddress must be host:port as agents reach the hub, e.g. hub.example.com:4001, got %q" .Values.hubAddress) -}}
{{- end -}}
{{- regexFind "[0-9]+$" .Values.hubAddress -}}
{{- end -}}
