using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Postgres.Migrations
{
    /// <summary>
    /// The change feed (Portal.Core.Data.ChangeFeed): triggers that NOTIFY every listening instance, on commit, of a
    /// change to an issued key (<c>key|{hash}|{tenant}|{owner}</c>, so caches by hash and by owner evict it) and of a
    /// change to route setup (<c>setup|{table}</c>). Inside the changing transaction, so a rolled-back change says nothing.
    /// </summary>
    public partial class ChangeFeed : Migration
    {
        private static readonly string[] SetupTables = ["Integrations", "Configs", "WebhookBindings", "SigningSecrets", "McpSettings"];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION portal_notify_key() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP <> 'INSERT' AND OLD."Hash" IS NOT NULL THEN
                        PERFORM pg_notify('portal_changes', 'key|' || OLD."Hash" || '|' || OLD."TenantId" || '|' || OLD."OwnerId");
                    END IF;
                    IF TG_OP <> 'DELETE' AND NEW."Hash" IS NOT NULL THEN
                        PERFORM pg_notify('portal_changes', 'key|' || NEW."Hash" || '|' || NEW."TenantId" || '|' || NEW."OwnerId");
                    END IF;
                    RETURN NULL;
                END $$;
                """);
            // Last-used writes (KeyUsage's batch) change none of these columns, so they notify nobody.
            migrationBuilder.Sql("""
                CREATE OR REPLACE TRIGGER portal_key_changed
                AFTER INSERT OR DELETE OR UPDATE OF "RevokedAt", "ExpiresAt", "Hash", "Scopes", "OwnerId", "TenantId", "Kind", "ProtectedValue"
                ON "IssuedKeys" FOR EACH ROW EXECUTE FUNCTION portal_notify_key();
                """);
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION portal_notify_setup() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('portal_changes', 'setup|' || TG_TABLE_NAME);
                    RETURN NULL;
                END $$;
                """);
            foreach (var table in SetupTables)
            {
                migrationBuilder.Sql($"""
                    CREATE OR REPLACE TRIGGER portal_setup_changed AFTER INSERT OR UPDATE OR DELETE ON "{table}"
                    FOR EACH STATEMENT EXECUTE FUNCTION portal_notify_setup();
                    """);
            }
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in SetupTables)
            {
                migrationBuilder.Sql($"""DROP TRIGGER IF EXISTS portal_setup_changed ON "{table}";""");
            }

            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS portal_key_changed ON "IssuedKeys";""");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS portal_notify_setup();");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS portal_notify_key();");
        }
    }
}
