-- Catalogue (filled from STAC) and baskets. Every table carries its tenant.
CREATE TABLE datasets (
    tenant TEXT NOT NULL,
    urn TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (tenant, urn)
);

CREATE TABLE catalog_objects (
    tenant TEXT NOT NULL,
    urn TEXT NOT NULL,
    dataset_urn TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    label TEXT,
    properties JSONB NOT NULL,
    summary JSONB NOT NULL,
    PRIMARY KEY (tenant, urn)
);
CREATE INDEX catalog_objects_dataset ON catalog_objects (tenant, dataset_urn, urn);
CREATE INDEX catalog_objects_provider ON catalog_objects (tenant, provider_id);

CREATE TABLE catalog_files (
    id BIGSERIAL PRIMARY KEY,
    tenant TEXT NOT NULL,
    object_urn TEXT NOT NULL,
    filename TEXT NOT NULL,
    url TEXT NOT NULL,
    mime_type TEXT,
    size BIGINT,
    checksum TEXT,
    checksum_algo TEXT,
    data_type TEXT NOT NULL,
    reference BOOLEAN NOT NULL
);
CREATE INDEX catalog_files_object ON catalog_files (tenant, object_urn);

CREATE TABLE baskets (
    id BIGSERIAL PRIMARY KEY,
    tenant TEXT NOT NULL,
    owner TEXT NOT NULL,
    CONSTRAINT uk_basket_owner UNIQUE (tenant, owner)
);

CREATE TABLE basket_datasets (
    id BIGSERIAL PRIMARY KEY,
    tenant TEXT NOT NULL,
    basket_id BIGINT NOT NULL REFERENCES baskets (id) ON DELETE CASCADE,
    dataset_urn TEXT NOT NULL,
    dataset_label TEXT NOT NULL,
    summary JSONB NOT NULL,
    process JSONB,
    file_filter JSONB
);
CREATE INDEX basket_datasets_basket ON basket_datasets (basket_id);

CREATE TABLE basket_items (
    tenant TEXT NOT NULL,
    basket_dataset_id BIGINT NOT NULL REFERENCES basket_datasets (id) ON DELETE CASCADE,
    date TIMESTAMPTZ NOT NULL,
    request JSONB NOT NULL,
    summary JSONB NOT NULL,
    PRIMARY KEY (basket_dataset_id, date)
);
