using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class ListCounts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AuditCounts",
                columns: table => new
                {
                    TenantId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Action = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Shard = table.Column<int>(type: "integer", nullable: false),
                    Count = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditCounts", x => new { x.TenantId, x.Action, x.Shard });
                });

            migrationBuilder.CreateTable(
                name: "IntegrationCounts",
                columns: table => new
                {
                    TenantId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Count = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IntegrationCounts", x => x.TenantId);
                });

            migrationBuilder.CreateTable(
                name: "WebhookEventCounts",
                columns: table => new
                {
                    TenantId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    ConfigId = table.Column<Guid>(type: "uuid", nullable: false),
                    Shard = table.Column<int>(type: "integer", nullable: false),
                    Count = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WebhookEventCounts", x => new { x.TenantId, x.ConfigId, x.Shard });
                });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_TenantId_Action_Id",
                table: "AuditEvents",
                columns: new[] { "TenantId", "Action", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_TenantId_Actor_Id",
                table: "AuditEvents",
                columns: new[] { "TenantId", "Actor", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_TenantId_Target",
                table: "AuditEvents",
                columns: new[] { "TenantId", "Target" })
                .Annotation("Npgsql:IndexOperators", new[] { "text_pattern_ops", "text_pattern_ops" });

            // The counts start from what is stored, then statement triggers (with transition tables: one upsert per
            // statement and group, however many rows a batch inserts) keep them in the writing transaction, whoever
            // writes. Each connection adds to its own shard (pg_backend_pid() % 8): concurrent transactions do not
            // queue on one counter row until they commit; readers sum the shards. Groups are upserted in key order, so
            // two statements never lock the same counter rows in opposite orders.
            migrationBuilder.Sql("""
                INSERT INTO "IntegrationCounts" ("TenantId", "Count") SELECT "TenantId", count(*) FROM "Integrations" GROUP BY "TenantId";
                INSERT INTO "AuditCounts" ("TenantId", "Action", "Shard", "Count") SELECT "TenantId", "Action", 0, count(*) FROM "AuditEvents" GROUP BY "TenantId", "Action";
                INSERT INTO "WebhookEventCounts" ("TenantId", "ConfigId", "Shard", "Count") SELECT "TenantId", "ConfigId", 0, count(*) FROM "WebhookEvents" GROUP BY "TenantId", "ConfigId";

                CREATE FUNCTION portal_count_integrations() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'INSERT' THEN
                        INSERT INTO "IntegrationCounts" ("TenantId", "Count")
                        SELECT "TenantId", count(*) FROM portal_new_rows GROUP BY "TenantId" ORDER BY "TenantId"
                        ON CONFLICT ("TenantId") DO UPDATE SET "Count" = "IntegrationCounts"."Count" + EXCLUDED."Count";
                    ELSE
                        INSERT INTO "IntegrationCounts" ("TenantId", "Count")
                        SELECT "TenantId", -count(*) FROM portal_old_rows GROUP BY "TenantId" ORDER BY "TenantId"
                        ON CONFLICT ("TenantId") DO UPDATE SET "Count" = "IntegrationCounts"."Count" + EXCLUDED."Count";
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER "TR_Integrations_Count_Insert" AFTER INSERT ON "Integrations"
                    REFERENCING NEW TABLE AS portal_new_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_count_integrations();
                CREATE TRIGGER "TR_Integrations_Count_Delete" AFTER DELETE ON "Integrations"
                    REFERENCING OLD TABLE AS portal_old_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_count_integrations();

                CREATE FUNCTION portal_count_audit_events() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'INSERT' THEN
                        INSERT INTO "AuditCounts" ("TenantId", "Action", "Shard", "Count")
                        SELECT "TenantId", "Action", pg_backend_pid() % 8, count(*) FROM portal_new_rows GROUP BY "TenantId", "Action" ORDER BY "TenantId", "Action"
                        ON CONFLICT ("TenantId", "Action", "Shard") DO UPDATE SET "Count" = "AuditCounts"."Count" + EXCLUDED."Count";
                    ELSE
                        INSERT INTO "AuditCounts" ("TenantId", "Action", "Shard", "Count")
                        SELECT "TenantId", "Action", pg_backend_pid() % 8, -count(*) FROM portal_old_rows GROUP BY "TenantId", "Action" ORDER BY "TenantId", "Action"
                        ON CONFLICT ("TenantId", "Action", "Shard") DO UPDATE SET "Count" = "AuditCounts"."Count" + EXCLUDED."Count";
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER "TR_AuditEvents_Count_Insert" AFTER INSERT ON "AuditEvents"
                    REFERENCING NEW TABLE AS portal_new_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_count_audit_events();
                CREATE TRIGGER "TR_AuditEvents_Count_Delete" AFTER DELETE ON "AuditEvents"
                    REFERENCING OLD TABLE AS portal_old_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_count_audit_events();

                CREATE FUNCTION portal_count_webhook_events() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'INSERT' THEN
                        INSERT INTO "WebhookEventCounts" ("TenantId", "ConfigId", "Shard", "Count")
                        SELECT "TenantId", "ConfigId", pg_backend_pid() % 8, count(*) FROM portal_new_rows GROUP BY "TenantId", "ConfigId" ORDER BY "TenantId", "ConfigId"
                        ON CONFLICT ("TenantId", "ConfigId", "Shard") DO UPDATE SET "Count" = "WebhookEventCounts"."Count" + EXCLUDED."Count";
                    ELSE
                        INSERT INTO "WebhookEventCounts" ("TenantId", "ConfigId", "Shard", "Count")
                        SELECT "TenantId", "ConfigId", pg_backend_pid() % 8, -count(*) FROM portal_old_rows GROUP BY "TenantId", "ConfigId" ORDER BY "TenantId", "ConfigId"
                        ON CONFLICT ("TenantId", "ConfigId", "Shard") DO UPDATE SET "Count" = "WebhookEventCounts"."Count" + EXCLUDED."Count";
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER "TR_WebhookEvents_Count_Insert" AFTER INSERT ON "WebhookEvents"
                    REFERENCING NEW TABLE AS portal_new_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_count_webhook_events();
                CREATE TRIGGER "TR_WebhookEvents_Count_Delete" AFTER DELETE ON "WebhookEvents"
                    REFERENCING OLD TABLE AS portal_old_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_count_webhook_events();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS "TR_Integrations_Count_Insert" ON "Integrations";
                DROP TRIGGER IF EXISTS "TR_Integrations_Count_Delete" ON "Integrations";
                DROP TRIGGER IF EXISTS "TR_AuditEvents_Count_Insert" ON "AuditEvents";
                DROP TRIGGER IF EXISTS "TR_AuditEvents_Count_Delete" ON "AuditEvents";
                DROP TRIGGER IF EXISTS "TR_WebhookEvents_Count_Insert" ON "WebhookEvents";
                DROP TRIGGER IF EXISTS "TR_WebhookEvents_Count_Delete" ON "WebhookEvents";
                DROP FUNCTION IF EXISTS portal_count_integrations();
                DROP FUNCTION IF EXISTS portal_count_audit_events();
                DROP FUNCTION IF EXISTS portal_count_webhook_events();
                """);

            migrationBuilder.DropTable(
                name: "AuditCounts");

            migrationBuilder.DropTable(
                name: "IntegrationCounts");

            migrationBuilder.DropTable(
                name: "WebhookEventCounts");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_TenantId_Action_Id",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_TenantId_Actor_Id",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_TenantId_Target",
                table: "AuditEvents");
        }
    }
}
