using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class IntegrationTags : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "IntegrationTags",
                columns: table => new
                {
                    TenantId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Tag = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    IntegrationId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_IntegrationTags", x => new { x.TenantId, x.Tag, x.IntegrationId });
                    table.ForeignKey(
                        name: "FK_IntegrationTags_Integrations_TenantId_IntegrationId",
                        columns: x => new { x.TenantId, x.IntegrationId },
                        principalTable: "Integrations",
                        principalColumns: new[] { "TenantId", "Id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_IntegrationTags_TenantId_IntegrationId",
                table: "IntegrationTags",
                columns: new[] { "TenantId", "IntegrationId" });

            // The tags stored so far ("|a|b|" in Integrations.Tags), one row each.
            migrationBuilder.Sql("""
                INSERT INTO "IntegrationTags" ("TenantId", "Tag", "IntegrationId")
                SELECT DISTINCT i."TenantId", t.tag, i."Id" FROM "Integrations" AS i, unnest(string_to_array(i."Tags", '|')) AS t(tag) WHERE t.tag <> '' AND length(t.tag) <= 50;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "IntegrationTags");
        }
    }
}
