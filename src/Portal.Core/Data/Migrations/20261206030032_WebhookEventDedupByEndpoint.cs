using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class WebhookEventDedupByEndpoint : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The new unique index first: a repeated webhook-id is refused throughout.
            migrationBuilder.CreateIndex(
                name: "IX_WebhookEvents_ConfigId_BindingId_WebhookId",
                table: "WebhookEvents",
                columns: new[] { "ConfigId", "BindingId", "WebhookId" },
                unique: true);

            migrationBuilder.DropIndex(
                name: "IX_WebhookEvents_ConfigId",
                table: "WebhookEvents");

            migrationBuilder.DropIndex(
                name: "IX_WebhookEvents_TenantId_ConfigId_BindingId_WebhookId",
                table: "WebhookEvents");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_WebhookEvents_ConfigId_BindingId_WebhookId",
                table: "WebhookEvents");

            migrationBuilder.CreateIndex(
                name: "IX_WebhookEvents_ConfigId",
                table: "WebhookEvents",
                column: "ConfigId");

            migrationBuilder.CreateIndex(
                name: "IX_WebhookEvents_TenantId_ConfigId_BindingId_WebhookId",
                table: "WebhookEvents",
                columns: new[] { "TenantId", "ConfigId", "BindingId", "WebhookId" },
                unique: true);
        }
    }
}
