using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Data.Migrations
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
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Tag = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    IntegrationId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
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
                WITH RECURSIVE split ("TenantId", "IntegrationId", "Tag", "Rest") AS (
                    SELECT "TenantId", "Id", '', substr("Tags", 2) FROM "Integrations"
                    UNION ALL
                    SELECT "TenantId", "IntegrationId", substr("Rest", 1, instr("Rest", '|') - 1), substr("Rest", instr("Rest", '|') + 1)
                    FROM split WHERE "Rest" <> ''
                )
                INSERT INTO "IntegrationTags" ("TenantId", "Tag", "IntegrationId")
                SELECT DISTINCT "TenantId", "Tag", "IntegrationId" FROM split WHERE "Tag" <> '';
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
