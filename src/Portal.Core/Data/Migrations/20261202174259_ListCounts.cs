using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Data.Migrations
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
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Shard = table.Column<int>(type: "INTEGER", nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditCounts", x => new { x.TenantId, x.Action, x.Shard });
                });

            migrationBuilder.CreateTable(
                name: "IntegrationCounts",
                columns: table => new
                {
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IntegrationCounts", x => x.TenantId);
                });

            migrationBuilder.CreateTable(
                name: "WebhookEventCounts",
                columns: table => new
                {
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ConfigId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Shard = table.Column<int>(type: "INTEGER", nullable: false),
                    Count = table.Column<long>(type: "INTEGER", nullable: false)
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
                columns: new[] { "TenantId", "Target" });

            // The counts start from what is stored, then triggers keep them in the writing transaction, whoever writes
            // (EF Core, the ingest writer's SQL, a cascade from a deleted config). Row triggers: SQLite has one writer,
            // so shard 0 is the only shard. An ignored duplicate delivery inserts no row and fires nothing.
            migrationBuilder.Sql("""
                INSERT INTO "IntegrationCounts" ("TenantId", "Count") SELECT "TenantId", COUNT(*) FROM "Integrations" GROUP BY "TenantId";
                INSERT INTO "AuditCounts" ("TenantId", "Action", "Shard", "Count") SELECT "TenantId", "Action", 0, COUNT(*) FROM "AuditEvents" GROUP BY "TenantId", "Action";
                INSERT INTO "WebhookEventCounts" ("TenantId", "ConfigId", "Shard", "Count") SELECT "TenantId", "ConfigId", 0, COUNT(*) FROM "WebhookEvents" GROUP BY "TenantId", "ConfigId";
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "TR_Integrations_Count_Insert" AFTER INSERT ON "Integrations" BEGIN
                    INSERT INTO "IntegrationCounts" ("TenantId", "Count") VALUES (NEW."TenantId", 1)
                    ON CONFLICT ("TenantId") DO UPDATE SET "Count" = "Count" + 1;
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "TR_Integrations_Count_Delete" AFTER DELETE ON "Integrations" BEGIN
                    UPDATE "IntegrationCounts" SET "Count" = "Count" - 1 WHERE "TenantId" = OLD."TenantId";
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "TR_AuditEvents_Count_Insert" AFTER INSERT ON "AuditEvents" BEGIN
                    INSERT INTO "AuditCounts" ("TenantId", "Action", "Shard", "Count") VALUES (NEW."TenantId", NEW."Action", 0, 1)
                    ON CONFLICT ("TenantId", "Action", "Shard") DO UPDATE SET "Count" = "Count" + 1;
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "TR_AuditEvents_Count_Delete" AFTER DELETE ON "AuditEvents" BEGIN
                    UPDATE "AuditCounts" SET "Count" = "Count" - 1 WHERE "TenantId" = OLD."TenantId" AND "Action" = OLD."Action" AND "Shard" = 0;
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "TR_WebhookEvents_Count_Insert" AFTER INSERT ON "WebhookEvents" BEGIN
                    INSERT INTO "WebhookEventCounts" ("TenantId", "ConfigId", "Shard", "Count") VALUES (NEW."TenantId", NEW."ConfigId", 0, 1)
                    ON CONFLICT ("TenantId", "ConfigId", "Shard") DO UPDATE SET "Count" = "Count" + 1;
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "TR_WebhookEvents_Count_Delete" AFTER DELETE ON "WebhookEvents" BEGIN
                    UPDATE "WebhookEventCounts" SET "Count" = "Count" - 1 WHERE "TenantId" = OLD."TenantId" AND "ConfigId" = OLD."ConfigId" AND "Shard" = 0;
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var trigger in new[] { "TR_Integrations_Count_Insert", "TR_Integrations_Count_Delete", "TR_AuditEvents_Count_Insert", "TR_AuditEvents_Count_Delete", "TR_WebhookEvents_Count_Insert", "TR_WebhookEvents_Count_Delete" })
            {
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS \"{trigger}\";");
            }

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
