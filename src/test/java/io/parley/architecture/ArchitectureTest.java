package io.parley.architecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The layering of docs/ARCHITECTURE.md as rules: each concern is a contract ({@code <concern>.api}),
 * a plain service and a thin verticle; concerns meet only through contracts; {@code common} is a leaf.
 * Only the wiring in {@code io.parley} itself (ParleyNode, Main) may reach into every concern.
 */
@AnalyzeClasses(packages = "io.parley", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  private static final String[] CONCERN_IMPLEMENTATIONS = {"io.parley.auth", "io.parley.rooms", "io.parley.attachments", "io.parley.delivery"};

  @ArchTest
  static final ArchRule no_package_cycles = slices().matching("io.parley.(**)").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule common_depends_on_no_concern = classes().that().resideInAPackage("io.parley.common..")
    .should().onlyDependOnClassesThat().resideInAnyPackage("io.parley.common..", "java..", "io.vertx..",
      "io.micrometer..", "org.slf4j..", "io.netty.util..");

  @ArchTest
  static final ArchRule auth_is_reached_through_its_contract = implementationUsedOnlyInside("io.parley.auth");

  @ArchTest
  static final ArchRule rooms_is_reached_through_its_contract = implementationUsedOnlyInside("io.parley.rooms");

  @ArchTest
  static final ArchRule delivery_is_reached_through_its_contract = implementationUsedOnlyInside("io.parley.delivery");

  /** Bytes stream in the gateway's process (never over the bus): the gateway alone uses the implementation, through its facade. */
  @ArchTest
  static final ArchRule attachments_are_reached_through_their_contract_or_the_gateway = noClasses()
    .that().resideOutsideOfPackages("io.parley.attachments..", "io.parley", "io.parley.gateway..")
    .should().dependOnClassesThat().resideInAPackage("io.parley.attachments");

  @ArchTest
  static final ArchRule gateway_is_reached_by_nobody_but_the_wiring = noClasses()
    .that().resideOutsideOfPackages("io.parley.gateway..", "io.parley")
    .should().dependOnClassesThat().resideInAPackage("io.parley.gateway..");

  @ArchTest
  static final ArchRule contracts_know_no_implementation = noClasses().that().resideInAPackage("io.parley.*.api")
    .should().dependOnClassesThat().resideInAnyPackage(CONCERN_IMPLEMENTATIONS);

  @ArchTest
  static final ArchRule services_hold_no_event_bus_code = noClasses()
    .that().haveSimpleNameEndingWith("Service").and().resideInAnyPackage(CONCERN_IMPLEMENTATIONS)
    .should().dependOnClassesThat().resideInAPackage("io.vertx.core.eventbus..");

  @ArchTest
  static final ArchRule nothing_imports_vertx_internals = noClasses()
    .should().dependOnClassesThat().resideInAnyPackage("io.vertx..impl..", "io.vertx..internal..");

  @ArchTest
  static final ArchRule only_contracts_and_wiring_send_on_the_bus = noClasses()
    .that().resideInAnyPackage(CONCERN_IMPLEMENTATIONS).and().haveSimpleNameNotEndingWith("Verticle")
    .should().callMethod(io.vertx.core.eventbus.EventBus.class, "request", String.class, Object.class,
      io.vertx.core.eventbus.DeliveryOptions.class);

  /** Nothing outside the concern (but the wiring) uses its implementation package; others use its api. */
  private static ArchRule implementationUsedOnlyInside(String concern) {
    return noClasses().that().resideOutsideOfPackages(concern + "..", "io.parley")
      .should().dependOnClassesThat().resideInAPackage(concern)
      .because("concerns reach each other only through " + concern + ".api");
  }
}
