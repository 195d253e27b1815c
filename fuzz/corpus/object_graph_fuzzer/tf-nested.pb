
)

nested
v
save_counter*

w*
>8
VARIABLE_VALUEVariablev/.ATTRIBUTES/VARIABLE_VALUE*
MG
VARIABLE_VALUEsave_counter'save_counter/.ATTRIBUTES/VARIABLE_VALUE*
E?
VARIABLE_VALUEVariable#nested/w/.ATTRIBUTES/VARIABLE_VALUE*