(component
  (type $d (component
    (export "d:d/d" (instance))
  ))
  (export "d" (type $d))
)
