using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Postgres.Migrations
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

            // Expand, not contract: IX_WebhookEvents_TenantId_ConfigId_BindingId_WebhookId stays for one release. An
            // instance of the previous build, still running during a rolling upgrade, names it in its ON CONFLICT; the
            // same rows are unique under both, so keeping it changes nothing but a write per event. A later migration
            // drops it (by name: the model no longer has it). SQLite has one instance and drops it at once.
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
        }
    }
}
