"""Nomad job files: HCL literals, the parse (with the HCL rules python-hcl2 lacks), the job
outline model and its builder, and the Go-template text inside ``template`` blocks.

Submodules are imported where used: python-hcl2 costs ~60 ms to import.
"""
