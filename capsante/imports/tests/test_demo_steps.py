"""What `make run`'s console shows while the demo's files are generated and imported: each
source as the upload form names it, not its code (« am-dmp-documents : 33 % »)."""

from capsante.imports.demo import step_name
from capsante.ingest import registry
from capsante.ingest.generator.core import STEPS


def test_each_step_is_named_as_the_upload_form_names_its_source():
    for step in (*STEPS, *registry.CONNECTORS):
        said = step_name(step)
        connector = registry.CONNECTORS.get(step) or registry.CONNECTORS.get(f"{step}-fhir")
        if connector is None:  # a step of the generator's own (the structures' base file)
            assert said == step.capitalize()
            continue
        assert said.lower() in connector.label.lower(), (step, said)
        assert step not in said and len(said) <= 44, (step, said)


def test_a_month_of_identities_is_written_as_a_form_writes_it():
    assert step_name("ins 2024-01") == "Identités patients (FHIR), 01/2024"
