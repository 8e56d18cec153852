using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class InboxAuditFilters : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_WebhookEvents_TenantId_ConfigId_Id",
                table: "WebhookEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_TenantId_Action_Id",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_TenantId_Actor_Id",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_TenantId_Id",
                table: "AuditEvents");

            migrationBuilder.AddColumn<string>(
                name: "Headers",
                table: "WebhookEvents",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "MediaType",
                table: "WebhookEvents",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SignatureCheck",
                table: "WebhookEvents",
                type: "TEXT",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SigningSecretName",
                table: "WebhookEvents",
                type: "TEXT",
                maxLength: 512,
                nullable: true);

            // Events stored before this migration get their media type too, so the content-type filter finds them.
            migrationBuilder.Sql("""
                UPDATE "WebhookEvents" SET "MediaType" = NULLIF(lower(trim(CASE WHEN instr("ContentType", ';') > 0 THEN substr("ContentType", 1, instr("ContentType", ';') - 1) ELSE "ContentType" END)), '') WHERE "ContentType" IS NOT NULL;
                """);

            migrationBuilder.CreateIndex(
                name: "IX_WebhookEvents_TenantId_ConfigId_MediaType_ReceivedAt_Id",
                table: "WebhookEvents",
                columns: new[] { "TenantId", "ConfigId", "MediaType", "ReceivedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_WebhookEvents_TenantId_ConfigId_ReceivedAt_Id",
                table: "WebhookEvents",
                columns: new[] { "TenantId", "ConfigId", "ReceivedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_TenantId_Action_At_Id",
                table: "AuditEvents",
                columns: new[] { "TenantId", "Action", "At", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_TenantId_Actor_At_Id",
                table: "AuditEvents",
                columns: new[] { "TenantId", "Actor", "At", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_TenantId_At_Id",
                table: "AuditEvents",
                columns: new[] { "TenantId", "At", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_WebhookEvents_TenantId_ConfigId_MediaType_ReceivedAt_Id",
                table: "WebhookEvents");

            migrationBuilder.DropIndex(
                name: "IX_WebhookEvents_TenantId_ConfigId_ReceivedAt_Id",
                table: "WebhookEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_TenantId_Action_At_Id",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_TenantId_Actor_At_Id",
                table: "AuditEvents");

            migrationBuilder.DropIndex(
                name: "IX_AuditEvents_TenantId_At_Id",
                table: "AuditEvents");

            migrationBuilder.DropColumn(
                name: "Headers",
                table: "WebhookEvents");

            migrationBuilder.DropColumn(
                name: "MediaType",
                table: "WebhookEvents");

            migrationBuilder.DropColumn(
                name: "SignatureCheck",
                table: "WebhookEvents");

            migrationBuilder.DropColumn(
                name: "SigningSecretName",
                table: "WebhookEvents");

            migrationBuilder.CreateIndex(
                name: "IX_WebhookEvents_TenantId_ConfigId_Id",
                table: "WebhookEvents",
                columns: new[] { "TenantId", "ConfigId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_TenantId_Action_Id",
                table: "AuditEvents",
                columns: new[] { "TenantId", "Action", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_TenantId_Actor_Id",
                table: "AuditEvents",
                columns: new[] { "TenantId", "Actor", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEvents_TenantId_Id",
                table: "AuditEvents",
                columns: new[] { "TenantId", "Id" });
        }
    }
}
