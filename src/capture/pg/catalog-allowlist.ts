// What may be read without a purpose: catalog relations that describe the
// database (names, types, owners, definitions) and built-in functions that
// report session or server facts. An allow-list, never a deny-list: anything
// not named here — a new catalog in a later PostgreSQL, an extension's view, a
// user object that shadows one of these names — needs a purpose. Names here
// count only once PostgreSQL has resolved them to pg_catalog or
// information_schema in the person's own session (see resolve.ts).
//
// Left out on purpose, because they hold or reveal company data or secrets:
// pg_statistic, pg_statistic_ext_data, pg_stats, pg_stats_ext, pg_stats_ext_exprs
// (most common values and histograms are column values), pg_stat_activity and
// pg_stat_get_activity (other sessions' statements with their literals),
// pg_stat_statements, pg_authid, pg_shadow (password hashes), pg_user_mapping(s)
// (foreign-server passwords), pg_largeobject (+ lo_* functions), pg_read_file,
// pg_read_binary_file, pg_ls_dir & co, query_to_xml / table_to_xml / cursor_to_xml
// / schema_to_xml / database_to_xml and their *_xmlschema forms, dblink*,
// set_config (changes how later names resolve), and every function not listed.
// pg_statistic_ext is allowed: it holds the definition of extended statistics
// (name, columns, kinds), which psql's `\d table` lists; the data is in
// pg_statistic_ext_data.

/** Relations in pg_catalog that hold no company data. */
export const CATALOG_RELATIONS: ReadonlySet<string> = new Set([
  'pg_aggregate', 'pg_am', 'pg_amop', 'pg_amproc', 'pg_attrdef', 'pg_attribute', 'pg_auth_members', 'pg_available_extensions',
  'pg_available_extension_versions', 'pg_cast', 'pg_class', 'pg_collation', 'pg_constraint', 'pg_conversion', 'pg_database',
  'pg_default_acl', 'pg_depend', 'pg_description', 'pg_enum', 'pg_event_trigger', 'pg_extension', 'pg_foreign_data_wrapper',
  'pg_foreign_server', 'pg_foreign_table', 'pg_index', 'pg_indexes', 'pg_inherits', 'pg_init_privs', 'pg_language',
  'pg_locks', 'pg_matviews', 'pg_namespace', 'pg_opclass', 'pg_operator', 'pg_opfamily', 'pg_partitioned_table', 'pg_policies',
  'pg_policy', 'pg_proc', 'pg_publication', 'pg_publication_namespace', 'pg_publication_rel', 'pg_publication_tables',
  'pg_range', 'pg_rewrite', 'pg_roles', 'pg_rules', 'pg_sequence', 'pg_sequences', 'pg_settings', 'pg_shdepend',
  'pg_shdescription', 'pg_statistic_ext', 'pg_subscription_rel', 'pg_tables', 'pg_tablespace', 'pg_timezone_abbrevs',
  'pg_timezone_names', 'pg_transform', 'pg_trigger', 'pg_ts_config', 'pg_ts_config_map', 'pg_ts_dict', 'pg_ts_parser',
  'pg_ts_template', 'pg_type', 'pg_user', 'pg_views', 'pg_seclabel', 'pg_shseclabel', 'pg_replication_origin',
]);

/** Schemas whose every relation is metadata (information_schema views show only what the role may see). */
export const METADATA_SCHEMAS: ReadonlySet<string> = new Set(['information_schema']);

/** Built-in functions (pg_catalog) that read session, server or catalog facts, never table data. */
export const CATALOG_FUNCTIONS: ReadonlySet<string> = new Set([
  // session and server facts (drivers call these at start-up)
  'version', 'current_setting', 'current_database', 'current_catalog', 'current_schema', 'current_schemas', 'current_user',
  'session_user', 'current_role', 'user', 'pg_backend_pid', 'pg_is_in_recovery', 'now', 'timeofday', 'current_timestamp',
  'statement_timestamp', 'transaction_timestamp', 'clock_timestamp', 'inet_server_addr', 'inet_server_port',
  'inet_client_addr', 'inet_client_port', 'pg_postmaster_start_time', 'pg_conf_load_time', 'txid_current',
  'pg_current_xact_id', 'pg_encoding_to_char', 'pg_char_to_encoding', 'pg_client_encoding', 'getdatabaseencoding',
  'pg_jit_available', 'pg_trigger_depth',
  // catalog decoding used by psql, JDBC, node-postgres and ORMs
  'format_type', 'pg_get_userbyid', 'pg_get_expr', 'pg_table_is_visible', 'pg_type_is_visible', 'pg_function_is_visible',
  'pg_opclass_is_visible', 'pg_operator_is_visible', 'pg_collation_is_visible', 'pg_conversion_is_visible',
  'pg_ts_config_is_visible', 'pg_statistics_obj_is_visible', 'obj_description', 'col_description', 'shobj_description',
  'pg_get_constraintdef', 'pg_get_indexdef', 'pg_get_viewdef', 'pg_get_triggerdef', 'pg_get_ruledef', 'pg_get_functiondef',
  'pg_get_function_result', 'pg_get_function_arguments', 'pg_get_function_identity_arguments', 'pg_get_statisticsobjdef',
  'pg_get_statisticsobjdef_columns', 'pg_get_statisticsobjdef_expressions', 'pg_get_partkeydef', 'pg_get_partition_constraintdef',
  'pg_get_serial_sequence', 'pg_relation_is_publishable', 'pg_relation_size', 'pg_total_relation_size', 'pg_table_size',
  'pg_indexes_size', 'pg_database_size', 'pg_tablespace_size', 'pg_size_pretty', 'pg_tablespace_location', 'pg_get_keywords',
  'pg_typeof', 'to_regclass', 'to_regtype', 'to_regproc', 'to_regprocedure', 'to_regnamespace', 'to_regrole',
  'has_schema_privilege', 'has_table_privilege', 'has_column_privilege', 'has_database_privilege', 'has_function_privilege',
  'has_sequence_privilege', 'has_type_privilege', 'has_any_column_privilege', 'pg_has_role', 'pg_get_acl', 'aclexplode',
  'pg_options_to_table', 'pg_get_publication_tables', 'pg_index_column_has_property', 'pg_indexam_has_property',
  'pg_index_has_property', 'pg_get_indexdef', 'quote_ident', 'quote_literal', 'format',
  // plain value functions (no data access)
  'array_to_string', 'array_upper', 'array_lower', 'array_length', 'array_agg', 'string_agg', 'unnest', 'generate_series',
  'generate_subscripts', 'count', 'min', 'max', 'coalesce', 'lower', 'upper', 'length', 'substring', 'substr', 'concat',
  'concat_ws', 'replace', 'regexp_replace', 'split_part', 'left', 'right', 'trim', 'btrim', 'ltrim', 'rtrim', 'position',
  'strpos', 'starts_with', 'bool_and', 'bool_or', 'row_number', 'jsonb_build_object', 'json_build_object', 'json_agg',
  'jsonb_agg', 'to_char', 'abs', 'round', 'greatest', 'least', 'array_position', 'cardinality', 'pg_sleep',
]);

/** Catalog relations that hold data: never allowed, but known to live in pg_catalog (search-path.ts names them there). */
export const DATA_CATALOG_RELATIONS: ReadonlySet<string> = new Set([
  'pg_statistic', 'pg_statistic_ext_data', 'pg_stats', 'pg_stats_ext', 'pg_stats_ext_exprs', 'pg_authid', 'pg_shadow',
  'pg_user_mapping', 'pg_user_mappings', 'pg_largeobject', 'pg_largeobject_metadata', 'pg_hba_file_rules', 'pg_file_settings',
  'pg_ident_file_mappings', 'pg_subscription', 'pg_prepared_statements', 'pg_prepared_xacts', 'pg_cursors', 'pg_group',
]);

/** True when PostgreSQL has a relation of this name in pg_catalog. */
export function isCatalogRelation(name: string): boolean {
  return CATALOG_RELATIONS.has(name) || DATA_CATALOG_RELATIONS.has(name) || name.startsWith('pg_stat') || name.startsWith('pg_replication');
}
