{{/* Names and labels shared by every template. */}}
{{- define "todo.name" -}}{{ .Chart.Name }}{{- end -}}

{{- define "todo.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "todo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/part-of: {{ include "todo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* Selector of one app: call with (dict "root" $ "app" "tasks"). */}}
{{- define "todo.selector" -}}
app.kubernetes.io/name: {{ .app }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Every pod of the release (apps, the topics job, the test pod). */}}
{{- define "todo.releaseSelector" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of one app's objects: call with (dict "root" $ "app" "tasks"). */}}
{{- define "todo.appLabels" -}}
{{ include "todo.labels" .root }}
app.kubernetes.io/name: {{ .app }}
{{- end -}}

{{- define "todo.appName" -}}{{ include "todo.fullname" .root }}-{{ .app }}{{- end -}}

{{/* <registry>/<repository>-<app>@digest, or :tag. */}}
{{- define "todo.image" -}}
{{- $img := .root.Values.image -}}
{{- $ref := printf "%s/%s-%s" $img.registry $img.repository .app -}}
{{- with index $img.digests .app -}}{{ $ref }}@{{ . }}
{{- else -}}{{ $ref }}:{{ $img.tag | default .root.Chart.AppVersion }}{{- end -}}
{{- end -}}

{{- define "todo.secretName" -}}
{{- $s := index .root.Values.secrets .key -}}
{{- $s.existingSecret | default (printf "%s-%s" (include "todo.fullname" .root) (.key | kebabcase)) -}}
{{- end -}}

{{/* The containers' security context (restricted Pod Security Standard). */}}
{{- define "todo.containerSecurityContext" -}}
{{ toYaml .Values.containerSecurityContext }}
{{- end -}}
