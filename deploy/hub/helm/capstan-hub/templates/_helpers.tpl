{{- define "capstan-hub.labels" -}}
app.kubernetes.io/name: capstan-hub
app.kubernetes.io/part-of: capstan
{{- end -}}
