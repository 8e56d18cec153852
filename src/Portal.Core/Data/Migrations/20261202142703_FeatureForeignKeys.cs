using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class FeatureForeignKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Rows left behind by a parent deleted before these keys existed would make adding them fail (PostgreSQL
            // checks existing rows): delete them first. Plain SQL that SQLite and PostgreSQL both read.
            migrationBuilder.Sql("""DELETE FROM "ConfigRevisions" WHERE NOT EXISTS (SELECT 1 FROM "Configs" c WHERE c."Id" = "ConfigRevisions"."ConfigId");""");
            migrationBuilder.Sql("""DELETE FROM "WebhookBindings" WHERE NOT EXISTS (SELECT 1 FROM "Configs" c WHERE c."Id" = "WebhookBindings"."ConfigId");""");
            migrationBuilder.Sql("""DELETE FROM "WebhookEvents" WHERE NOT EXISTS (SELECT 1 FROM "Configs" c WHERE c."Id" = "WebhookEvents"."ConfigId");""");
            migrationBuilder.Sql("""DELETE FROM "McpSettings" WHERE NOT EXISTS (SELECT 1 FROM "Integrations" i WHERE i."TenantId" = "McpSettings"."TenantId" AND i."Id" = "McpSettings"."IntegrationId");""");

            migrationBuilder.CreateIndex(
                name: "IX_WebhookEvents_ConfigId",
                table: "WebhookEvents",
                column: "ConfigId");

            migrationBuilder.CreateIndex(
                name: "IX_WebhookBindings_ConfigId",
                table: "WebhookBindings",
                column: "ConfigId");

            migrationBuilder.CreateIndex(
                name: "IX_ConfigRevisions_ConfigId",
                table: "ConfigRevisions",
                column: "ConfigId");

            migrationBuilder.AddForeignKey(
                name: "FK_ConfigRevisions_Configs_ConfigId",
                table: "ConfigRevisions",
                column: "ConfigId",
                principalTable: "Configs",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "FK_McpSettings_Integrations_TenantId_IntegrationId",
                table: "McpSettings",
                columns: new[] { "TenantId", "IntegrationId" },
                principalTable: "Integrations",
                principalColumns: new[] { "TenantId", "Id" },
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "FK_WebhookBindings_Configs_ConfigId",
                table: "WebhookBindings",
                column: "ConfigId",
                principalTable: "Configs",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);

            migrationBuilder.AddForeignKey(
                name: "FK_WebhookEvents_Configs_ConfigId",
                table: "WebhookEvents",
                column: "ConfigId",
                principalTable: "Configs",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_ConfigRevisions_Configs_ConfigId",
                table: "ConfigRevisions");

            migrationBuilder.DropForeignKey(
                name: "FK_McpSettings_Integrations_TenantId_IntegrationId",
                table: "McpSettings");

            migrationBuilder.DropForeignKey(
                name: "FK_WebhookBindings_Configs_ConfigId",
                table: "WebhookBindings");

            migrationBuilder.DropForeignKey(
                name: "FK_WebhookEvents_Configs_ConfigId",
                table: "WebhookEvents");

            migrationBuilder.DropIndex(
                name: "IX_WebhookEvents_ConfigId",
                table: "WebhookEvents");

            migrationBuilder.DropIndex(
                name: "IX_WebhookBindings_ConfigId",
                table: "WebhookBindings");

            migrationBuilder.DropIndex(
                name: "IX_ConfigRevisions_ConfigId",
                table: "ConfigRevisions");
        }
    }
}
